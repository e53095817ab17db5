"""The EMG panel draws what LiveEmg holds and reacts like a user expects (offscreen Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.synthetic_signals import make_synthetic_emg
from facetrainer.source_status import SourceState

from .conftest import wait_until

pytest.importorskip("pytestqt")

FS_HZ = 500.0


@pytest.fixture
def stub_window(qtbot):
    """The main window with a live-session model over the given EMG sources (model first,
    then the real window; the sources are started by the test)."""
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources

    def make(sources):
        model = LiveSessionModel(
            SessionConfig(video=VideoChoice("none"), face_analysis=False),
            sources=BuiltSources(None, list(sources)),
        )
        w = MainWindow(model)
        qtbot.addWidget(w)
        w.messages = []
        w.statusBar().messageChanged.connect(lambda text: text and w.messages.append(text))
        return w

    return make


def test_panel_shows_one_row_per_channel_with_levels_and_hints(
    qtbot, stub_window, array_source_factory
):

    sig = make_synthetic_emg(FS_HZ, 6.0, n_channels=2, bursts_s=[(2.0, 3.0)], seed=1)
    data = np.vstack([sig.data_uv, np.zeros((1, sig.data_uv.shape[1]))])  # ch3 is dead
    src = array_source_factory(data, FS_HZ)
    window = stub_window([src])
    panel = window.panels["emg"]
    assert window.centralWidget().widget(1) is panel
    src.start()
    assert wait_until(lambda: src.status.state == SourceState.FINISHED)
    qtbot.waitUntil(lambda: panel.n_draws > 0, timeout=5000)
    assert len(panel._rows) == 3
    for mode in ("raw", "filtered", "envelope"):
        panel.set_mode(mode)
        panel.refresh()
        x, y = panel._rows[0].curve.getData()
        assert x is not None and x[-1] == pytest.approx(0.0) and x[0] >= -10.0
    assert panel._rows[0].threshold.isVisible() and panel._rows[0].baseline.isVisible()
    assert "flat line" in panel._rows[2].text.toPlainText()
    panel.capture_baseline()
    panel.set_reference()
    assert any("reference" in m for m in window.messages)
    panel.refresh()
    assert "% MVC" in panel._rows[0].text.toPlainText()


def test_panel_without_sources_says_so(qtbot, stub_window):

    window = stub_window([])
    window.panels["emg"].refresh()
    assert window.panels["emg"].message.text() == "No EMG source"


def test_peak_decimation_keeps_spikes_and_gaps():
    from facetrainer.gui.emg_panel import decimate_peaks

    t = np.arange(20000) / 2000.0
    y = np.zeros((2, 20000))
    y[0, 12345] = 500.0  # one-sample spike
    y[1, 4000:4100] = np.nan  # a gap longer than a bin
    td, yd = decimate_peaks(t, y, 800)
    assert td.size == yd.shape[1] <= 1600
    assert yd[0].max() == 500.0
    assert np.isnan(yd[1]).any() and np.isfinite(yd[1]).sum() > 1500
    assert td[-1] == t[-1]


def test_panel_records_the_raw_stream(qtbot, stub_window, array_source_factory, tmp_path):
    from facetrainer.emg.recording_io import read_recording

    data = make_synthetic_emg(FS_HZ, 2.0, n_channels=2, seed=3).data_uv
    src = array_source_factory(data, FS_HZ)
    window = stub_window([src])
    panel = window.panels["emg"]
    panel.start_recording(str(tmp_path / "take.csv"))
    src.start()
    assert wait_until(lambda: src.status.state == SourceState.FINISHED)
    panel.stop_recording()
    for name in ("take.csv", "take_brainflow.csv"):
        rec = read_recording(tmp_path / name)
        np.testing.assert_allclose(rec.data_uv, data, atol=1e-3)


def test_choosing_a_montage_labels_the_rows(qtbot, stub_window, array_source_factory):

    src = array_source_factory(make_synthetic_emg(FS_HZ, 2.0, n_channels=2).data_uv, FS_HZ)
    window = stub_window([src])
    panel = window.panels["emg"]
    src.start()
    assert wait_until(lambda: src.status.state == SourceState.FINISHED)
    panel.montage_box.setCurrentText("smile_2ch")
    panel.refresh()
    assert panel._rows[1].text.toPlainText().startswith("zygomaticus_major/right")
    panel.montage_box.setCurrentText("no montage")
    panel.refresh()
    assert panel._rows[1].text.toPlainText().startswith("ch2")


def test_the_panel_on_screen_records_emg_latency(qtbot, stub_window, array_source_factory):
    """Newest sample -> traces updated is measured where the traces are drawn (the panel,
    not the hidden basic view), so View → Show latency reports what the user sees."""
    sig = make_synthetic_emg(FS_HZ, 4.0, n_channels=2, seed=3)
    src = array_source_factory(sig.data_uv, FS_HZ)
    window = stub_window([src])
    panel = window.panels["emg"]
    src.start()
    qtbot.waitUntil(lambda: panel.n_draws > 2, timeout=5000)
    assert window.emg_latency is panel.latency
    assert len(panel.latency) >= 1
    (p50,) = panel.latency.percentiles_ms((50.0,))
    assert p50 >= 0.0
