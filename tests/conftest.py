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
    """Cyclic garbage is collected on the GUI thread only, as in the app.

    The first test that uses Qt installs the app's collector on pytest-qt's ``qapp``; from then
    on automatic collection is off (a collection on a worker thread can free a Qt object there
    and deadlock, issue 10), the collector's timer runs whenever a test spins the event loop,
    and after every test the pending generations are collected here, on the main thread.
    """
    if QT_FIXTURES.intersection(request.fixturenames):
        from facetrainer.gui.garbage_collector import install_garbage_collector

        install_garbage_collector(request.getfixturevalue("qapp"))
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
