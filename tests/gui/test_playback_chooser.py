"""Replaying a recording from the menu: any readable file, and a BrainFlow file whose board
cannot be told from it makes the app ask for the board instead of streaming silence."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QInputDialog, QWidget

from facetrainer.emg.brainflow_source import BrainFlowSource
from facetrainer.emg.recording_playback import RecordingPlaybackSource
from facetrainer.gui.playback_chooser import playback_source

NEUROPAWN_KNIGHT = 57  # shares its 13-row layout size with BioListener (64): ambiguous


@pytest.fixture
def window(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.messages = []
    w.show_status = lambda text, timeout_ms=0: w.messages.append(text)
    return w


def test_an_ambiguous_brainflow_file_asks_for_its_board(window, tmp_path, monkeypatch):
    path = tmp_path / "unknown.csv"
    np.savetxt(path, np.zeros((20, 13)), delimiter="\t")
    asked = []

    def answer(parent, title, label, items, current, editable):
        asked.append(label)
        return next(i for i in items if f"id {NEUROPAWN_KNIGHT})" in i), True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(answer))
    src = playback_source(window, path)
    assert isinstance(src, BrainFlowSource) and src.params.master_board == NEUROPAWN_KNIGHT
    assert asked and "--bf-master-board" in asked[0]


def test_cancelling_the_question_starts_nothing(window, tmp_path, monkeypatch):
    path = tmp_path / "unknown.csv"
    np.savetxt(path, np.zeros((20, 13)), delimiter="\t")
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("", False)))
    assert playback_source(window, path) is None


def test_a_board_whose_layout_does_not_fit_is_refused(window, tmp_path, monkeypatch):
    path = tmp_path / "unknown.csv"
    np.savetxt(path, np.zeros((20, 13)), delimiter="\t")
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(
        lambda parent, title, label, items, *a: (next(i for i in items if "id 0)" in i), True)))
    assert playback_source(window, path) is None
    assert "13 rows" in window.messages[-1]


def test_other_recordings_replay_at_their_own_rate(window, tmp_path):
    path = tmp_path / "rec.csv"
    path.write_text("time_s,zl,zr\n" + "".join(f"{i / 500},{i},{-i}\n" for i in range(50)))
    assert isinstance(playback_source(window, path), RecordingPlaybackSource)
