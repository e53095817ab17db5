"""The montage editor as a therapist uses it: click sites, save, reload, use on live EMG."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from facetrainer.emg.montage import Placement, load_montage

ZYG_L = Placement("zygomaticus_major", "left")
ZYG_R = Placement("zygomaticus_major", "right")
OCULI_L = Placement("orbicularis_oculi", "left")


@pytest.fixture
def editor(qtbot):
    from facetrainer.gui.montage_editor import MontageEditor

    e = MontageEditor(n_channels=3)
    qtbot.addWidget(e)
    e.resize(820, 520)
    e.show()
    qtbot.waitExposed(e)
    return e


def click_site(qtbot, editor, placement):
    qtbot.mouseClick(editor.diagram, Qt.MouseButton.LeftButton,
                     pos=editor.diagram.site_center(placement).toPoint())


def test_clicking_sites_assigns_channels_in_order_and_saves_the_file_format(qtbot, editor, tmp_path):
    for placement in (ZYG_L, ZYG_R, OCULI_L):
        click_site(qtbot, editor, placement)
    assert editor.assignments() == {"ch1": "zygomaticus_major/left",
                                    "ch2": "zygomaticus_major/right",
                                    "ch3": "orbicularis_oculi/left"}
    editor.name.setText("Smile + left eye")
    assert editor.save(tmp_path / "mine.toml")
    loaded = load_montage(tmp_path / "mine.toml")
    assert loaded.name == "Smile + left eye"
    assert loaded.channels == {"ch1": ZYG_L, "ch2": ZYG_R, "ch3": OCULI_L}


def test_a_site_already_used_is_refused_naming_the_field(qtbot, editor):
    click_site(qtbot, editor, ZYG_L)
    editor.table.selectRow(2)
    click_site(qtbot, editor, ZYG_L)
    assert "channels.ch3: zygomaticus_major/left is already on channel 'ch1'" in editor.error.text()
    assert editor.assignments()["ch3"] is None
    editor._combo(2).setCurrentText("zygomaticus_major/left")  # the same through the list
    assert not editor.apply()
    assert "channels.ch3" in editor.error.text() and "already on channel 'ch1'" in editor.error.text()


def test_a_ready_montage_loads_into_the_editor(editor):
    from facetrainer.emg.montage import READY_MONTAGES_DIR

    assert editor.load(READY_MONTAGES_DIR / "smile_eye_4ch.toml")
    assert editor.table.rowCount() == 4
    assert editor.montage().channels == load_montage("smile_eye_4ch").channels


@pytest.mark.filterwarnings("ignore::facetrainer.emg.filters.EmgFilterWarning")  # 250 Hz board
def test_the_edited_montage_names_the_live_traces(qtbot, editor):
    from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
    from facetrainer.emg.live import live_for

    source = BrainFlowSource(SYNTHETIC_BOARD_ID)
    live = live_for(source)
    source.start()
    try:
        assert source.wait_ready(20.0)
        qtbot.waitUntil(lambda: len(live.states()) == 16, timeout=20000)
        click_site(qtbot, editor, ZYG_L)
        click_site(qtbot, editor, ZYG_R)
        with qtbot.waitSignal(editor.applied) as applied:
            qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
        live.set_montage(applied.args[0])
        labels = [s.label for s in live.states()[:3]]
        assert labels[:2] == ["zygomaticus_major/left", "zygomaticus_major/right"]
    finally:
        source.stop()
