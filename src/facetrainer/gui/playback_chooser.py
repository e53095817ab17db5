"""Sources → EMG source → Recording playback: any recording FaceTrainer reads, and for a
BrainFlow file whose board cannot be inferred, the board is asked for instead of
streaming silence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog

from facetrainer.emg.source import EmgSourceError

FILE_FILTER = ("Recordings (*.csv *.txt *.tsv *.edf *.bdf *.rec);;All files (*)")


def ask_master_board(window: Any, path: Path, reason: str) -> int | None:
    """Ask which BrainFlow board recorded ``path``; None when the user cancels."""
    from facetrainer.emg.board_catalog import brainflow_boards

    boards = [b for b in brainflow_boards() if b.board_id >= -1]
    labels = [b.label for b in boards]
    label, ok = QInputDialog.getItem(
        window, "Which board recorded this file?",
        f"{reason}\n\nBoard that recorded {path.name}:", labels, 0, False)
    if not ok or not label:
        return None
    return boards[labels.index(label)].board_id


def playback_source(window: Any, path: Path) -> Any:
    """The playback source for ``path`` (asking for the master board when needed), or None."""
    from facetrainer.emg.brainflow_source import (
        PLAYBACK_BOARD_ID,
        BrainFlowParams,
        BrainFlowSource,
        check_master_board,
        infer_master_board,
    )
    from facetrainer.emg.recording_io import RecordingError, detect_format
    from facetrainer.emg.recording_playback import RecordingPlaybackSource

    try:
        kind = detect_format(path)
    except RecordingError as exc:
        window.show_status(f"EMG playback not started: {exc}", 15000)
        return None
    if kind != "brainflow":
        return RecordingPlaybackSource(path)
    try:
        master = infer_master_board(path)
    except EmgSourceError as exc:
        chosen = ask_master_board(window, path, str(exc))
        if chosen is None:
            return None
        try:
            check_master_board(path, chosen)
        except EmgSourceError as bad:
            window.show_status(f"EMG playback not started: {bad}", 15000)
            return None
        master = chosen
    return BrainFlowSource(PLAYBACK_BOARD_ID, BrainFlowParams(file=str(path), master_board=master),
                           name=f"playback {path.name}")


def choose_playback(window: Any) -> None:
    """Pick a recording and replay it as the window's EMG source."""
    name, _ = QFileDialog.getOpenFileName(window, "EMG recording to replay", "", FILE_FILTER)
    if not name:
        return
    source = playback_source(window, Path(name))
    if source is not None:
        window.replace_emg_sources([source])
