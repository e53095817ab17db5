"""Shared test set-up: headless Qt, quiet MediaPipe, packaged real faces."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keep tests away from the user's real data folder (platformdirs honours XDG_DATA_HOME).
if "FACETRAINER_TEST_KEEP_HOME" not in os.environ:
    import tempfile

    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="facetrainer-test-data-")
    # ... and from its config (LSL settings) and log folders (platformdirs' XDG dirs).
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="facetrainer-test-config-")
    os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="facetrainer-test-state-")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

QT_FIXTURES = {"qtbot", "qapp"}


@pytest.fixture(autouse=True)
def gui_thread_garbage_collection(request):
    """Cyclic garbage is collected on the GUI thread only, as in the app (and queued core
    events are delivered there: :func:`facetrainer.gui.event_loop.prepare_application`).

    The first test that uses Qt installs the app's collector on pytest-qt's ``qapp``; from then
    on automatic collection is off (a collection on a worker thread can free a Qt object there
    and deadlock, issue 10), the collector's timer runs whenever a test spins the event loop,
    and after every test the pending generations are collected here, on the main thread.
    """
    if QT_FIXTURES.intersection(request.fixturenames):
        from facetrainer.gui.event_loop import prepare_application

        prepare_application(request.getfixturevalue("qapp"))
    yield
    if "facetrainer.gui.garbage_collector" in sys.modules:
        collector = sys.modules["facetrainer.gui.garbage_collector"].installed_garbage_collector()
        if collector is not None:
            collector.collect_pending()


@pytest.fixture(scope="session")
def astronaut_portrait() -> np.ndarray:
    """The packaged astronaut photo cropped to a 640×480 portrait (a real face)."""
    from facetrainer.capture.sample_faces import astronaut_portrait

    return astronaut_portrait()


@pytest.fixture(scope="session")
def static_tracker():
    """One MediaPipe tracker in static-image mode, shared by the session's tests."""
    from facetrainer.capture.face_tracker import FaceTracker

    tracker = FaceTracker(static_image_mode=True, max_num_faces=3)
    yield tracker
    tracker.close()


PG_ENV = "FACETRAINER_TEST_PG_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The throwaway PostgreSQL server's URL (started by ``scripts/postgres-for-tests.sh``).

    Skips with the reason when there is none, except in CI, where the PostgreSQL tests
    must run.
    """
    url = os.environ.get(PG_ENV, "")
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"CI=true but {PG_ENV} is not set: scripts/postgres-for-tests.sh should "
            "have started a PostgreSQL server; the PostgreSQL tests must not skip in CI"
        )
    pytest.skip(
        f"no PostgreSQL server: {PG_ENV} is not set (run `bash scripts/facetrainer.sh "
        "test`, which starts a throwaway server)"
    )


# -- fault injection: a full disk and a read-only folder ---------------------------------
def _mount_tmpfs(path, options: str) -> bool:
    import subprocess

    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        timeout=10,
    )
    return r.returncode == 0


def _umount(path) -> None:
    import subprocess

    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=10)


@pytest.fixture
def small_disk(tmp_path):
    """A folder on its own 1 MiB file system; ``fill()`` leaves it with no free byte.

    Needs root (a tmpfs mount); skips with the reason elsewhere.
    """
    folder = tmp_path / "small_disk"
    if not _mount_tmpfs(folder, "size=1m,mode=0700"):
        pytest.skip("cannot mount a tmpfs to fill (needs root): the full-disk test needs one")

    class Disk:
        path = folder

        @staticmethod
        def fill() -> None:
            fd = os.open(folder / "filler.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                for block in (65536, 4096, 1):  # down to the last byte
                    try:
                        while True:
                            os.write(fd, b"\0" * block)
                    except OSError:
                        pass
            finally:
                os.close(fd)

        @staticmethod
        def free() -> None:
            (folder / "filler.bin").unlink(missing_ok=True)

    yield Disk
    _umount(folder)


@pytest.fixture
def read_only_dir(tmp_path):
    """A factory: ``make(files)`` returns a folder holding ``files`` ({name: bytes}) that
    cannot be written to (a read-only mount as root, mode 0555 otherwise)."""
    made = []

    def make(files: dict[str, bytes] | None = None):
        folder = tmp_path / f"read_only_{len(made)}"
        files = files or {}
        if os.geteuid() == 0:
            if not _mount_tmpfs(folder, "size=4m"):
                pytest.skip("cannot mount a tmpfs (needed to make a folder read-only as root)")
            for name, data in files.items():
                (folder / name).write_bytes(data)
            import subprocess

            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, timeout=10)
        else:
            folder.mkdir()
            for name, data in files.items():
                (folder / name).write_bytes(data)
            folder.chmod(0o555)
        made.append(folder)
        return folder

    yield make
    for folder in made:
        if os.geteuid() == 0:
            _umount(folder)
        else:
            folder.chmod(0o755)

class StreamingPty:
    """A serial EMG device on a pseudo-terminal: text lines ``v1,v2,…`` at ``fs_hz``.

    Reached through a symlink (as udev names a USB device), which pyserial's
    ``list_ports`` does not list: the user types it.
    """

    def __init__(self, link: str, fs_hz: float = 500.0, n_channels: int = 2,
                 seed: int = 0) -> None:
        import threading
        import tty

        self.link, self.fs_hz, self.n_channels = link, fs_hz, n_channels
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        os.symlink(os.ttyname(slave), link)
        os.close(slave)
        self._rng = np.random.default_rng(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import time

        block = max(1, int(self.fs_hz * 0.02))  # 20 ms of lines per write
        k = 0
        while not self._stop.is_set():
            t = (k + np.arange(block)) / self.fs_hz
            amp = 40.0 * (1 + np.arange(self.n_channels))  # channel i: 40·(i+1) µV peak
            values = amp[:, None] * np.sin(2 * np.pi * 90.0 * t)[None, :]
            values += self._rng.normal(0, 2.0, values.shape)
            text = "".join(",".join(f"{v:.2f}" for v in col) + "\n" for col in values.T)
            try:
                os.write(self.master, text.encode())
            except OSError:
                return
            k += block
            time.sleep(block / self.fs_hz)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        os.close(self.master)
        os.remove(self.link)


@pytest.fixture
def streaming_pty(tmp_path):
    """A 2-channel serial EMG device at 500 Hz on a pty behind ``tmp/ttyEMG0``."""
    dev = StreamingPty(str(tmp_path / "ttyEMG0"))
    yield dev
    dev.close()
