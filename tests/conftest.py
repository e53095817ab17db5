"""Shared test set-up: headless Qt, quiet MediaPipe, packaged real faces."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keep tests away from the user's real data folder (platformdirs honours XDG_DATA_HOME).
if "FACETRAINER_TEST_KEEP_HOME" not in os.environ:
    import tempfile

    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="facetrainer-test-data-")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


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
