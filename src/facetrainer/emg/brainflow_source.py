"""EMG from any BrainFlow board: real devices, the synthetic board and the playback board.

Rates and channel lists come from BrainFlow's board description, so a new board works
without code here. BrainFlow's own buffer is drained with ``get_board_data()`` on the
source thread every poll; nothing is dropped between the device and the subscribers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetrainer.emg.source import EmgSource, EmgSourceError, EmgStreamInfo

SYNTHETIC_BOARD_ID = -1
PLAYBACK_BOARD_ID = -3


@dataclass
class BrainFlowParams:
    """Connection parameters (BrainFlow's ``BrainFlowInputParams``), all optional."""

    serial_port: str = ""
    ip_address: str = ""
    ip_port: int = 0
    mac_address: str = ""
    file: str = ""
    other_info: str = ""
    serial_number: str = ""
    master_board: int | None = None  # for the playback and streaming boards
    timeout: int = 0


def board_name(board_id: int) -> str:
    from brainflow.board_shim import BoardIds

    try:
        return BoardIds(board_id).name.lower()
    except ValueError:
        return f"board {board_id}"


def describe_board(board_id: int) -> tuple[float, list[int], list[str]]:
    """(sampling rate, data-row indices, channel names) of a board's EMG/ExG channels.

    Raises :class:`EmgSourceError` for an unknown board id.
    """
    from brainflow.board_shim import BoardShim
    from brainflow.exit_codes import BrainFlowError

    try:
        descr = BoardShim.get_board_descr(board_id)
    except (BrainFlowError, ValueError) as exc:
        raise EmgSourceError(f"unknown BrainFlow board id {board_id}: {exc}") from exc
    fs = float(descr.get("sampling_rate", 0))
    rows = list(descr.get("emg_channels") or descr.get("exg_channels") or descr.get("eeg_channels") or [])
    if fs <= 0 or not rows:
        raise EmgSourceError(f"BrainFlow board {board_id} describes no EMG/ExG channels")
    names_field = descr.get("eeg_names") or ""
    names = [n.strip() for n in names_field.split(",") if n.strip()] if names_field else []
    if len(names) != len(rows):
        names = [f"ch{i + 1}" for i in range(len(rows))]
    return fs, rows, names


class BrainFlowSource(EmgSource):
    """Any BrainFlow board by id (``-1`` synthetic, ``-3`` playback of a recorded file)."""

    def __init__(self, board_id: int, params: BrainFlowParams | None = None,
                 name: str | None = None) -> None:
        self.board_id = int(board_id)
        self.params = params or BrainFlowParams()
        super().__init__(name or f"BrainFlow {board_name(self.board_id)}")
        self._board = None
        self._rows: list[int] = []

    def _descr_board(self) -> int:
        if self.board_id == PLAYBACK_BOARD_ID:
            return self.params.master_board if self.params.master_board is not None else SYNTHETIC_BOARD_ID
        return self.board_id

    def _open(self) -> EmgStreamInfo:
        from brainflow.board_shim import BoardShim, BrainFlowInputParams
        from brainflow.exit_codes import BrainFlowError

        BoardShim.disable_board_logger()
        fs, rows, names = describe_board(self._descr_board())
        p = BrainFlowInputParams()
        p.serial_port = self.params.serial_port
        p.ip_address = self.params.ip_address
        p.ip_port = int(self.params.ip_port)
        p.mac_address = self.params.mac_address
        p.other_info = self.params.other_info
        p.serial_number = self.params.serial_number
        p.timeout = int(self.params.timeout)
        if self.board_id == PLAYBACK_BOARD_ID:
            path = Path(self.params.file)
            if not path.is_file():
                raise EmgSourceError(f"BrainFlow playback file not found: {path}")
            p.file = str(path)
            p.master_board = self._descr_board()
        elif self.params.file:
            p.file = self.params.file
        if self.params.master_board is not None and self.board_id != PLAYBACK_BOARD_ID:
            p.master_board = self.params.master_board
        board = BoardShim(self.board_id, p)
        try:
            board.prepare_session()
            if self.board_id == PLAYBACK_BOARD_ID:
                board.config_board("loopback_true")
            board.start_stream(int(max(fs * 120, 45000)))
        except BrainFlowError as exc:
            try:
                board.release_session()
            except BrainFlowError:
                pass
            raise EmgSourceError(
                f"BrainFlow board {board_name(self.board_id)} ({self.board_id}) failed to "
                f"prepare/start: {exc}"
            ) from exc
        self._board = board
        self._rows = rows
        return EmgStreamInfo(fs, tuple(names), extra={"board_id": self.board_id})

    def _read_chunk(self) -> np.ndarray | None:
        assert self._board is not None
        data = self._board.get_board_data()
        return np.asarray(data[self._rows, :], dtype=np.float64)

    def _close(self) -> None:
        if self._board is not None:
            from brainflow.exit_codes import BrainFlowError

            try:
                self._board.stop_stream()
            except BrainFlowError:
                pass
            self._board.release_session()
            self._board = None
