"""EMG from any BrainFlow board: real devices, the synthetic board and the playback board.

Rates and channel lists come from BrainFlow's board description, so a new board works
without code here. BrainFlow's own buffer is drained with ``get_board_data()`` on the
source thread every poll; nothing is dropped between the device and the subscribers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facetrainer.emg.source import EmgSource, EmgSourceError, EmgStreamInfo

log = logging.getLogger(__name__)

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
    preset: str = ""  # a board preset (emg/board_presets.py), e.g. "facial-emg"


def board_name(board_id: int) -> str:
    from brainflow.board_shim import BoardIds

    try:
        return BoardIds(board_id).name.lower()
    except ValueError:
        return f"board {board_id}"


def describe_board(board_id: int) -> tuple[float, list[int], list[str]]:
    """(sampling rate, data-row indices, channel names ``ch1..chN``) of a board's EMG/ExG
    channels.

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
    # BrainFlow names a board's channels with EEG 10-20 sites (Cyton: Fp1...O2); on a
    # face those are wrong, so channels are ch1..chN and the montage names the muscles.
    names = [f"ch{i + 1}" for i in range(len(rows))]
    return fs, rows, names


def _file_row_count(path: Path) -> int:
    """Number of tab-separated columns (= board data rows) on a BrainFlow file's first line."""
    try:
        with path.open("rb") as fh:
            first = fh.readline().strip()
    except OSError as exc:
        raise EmgSourceError(f"BrainFlow playback file {path}: cannot read: {exc}") from exc
    if not first:
        raise EmgSourceError(f"BrainFlow playback file {path} is empty")
    return len(first.split(b"\t"))


def infer_master_board(path: Path) -> int:
    """The board whose data layout a BrainFlow file was written in.

    The playback board replays a file in a master board's layout and streams nothing at
    all when the two differ, so the board is taken from FaceTrainer's ``FILE.json``
    sidecar, else from the file's row count: the synthetic board for its 32 rows (the
    documented default), else the single layout with that many rows. An ambiguous or
    unknown count raises :class:`EmgSourceError` naming ``--bf-master-board``.
    """
    import json

    from brainflow.board_shim import BoardIds, BoardShim
    from brainflow.exit_codes import BrainFlowError

    side = path.with_name(path.name + ".json")
    if side.is_file():
        try:
            doc = json.loads(side.read_text(encoding="utf-8"))
            return int(doc["board_id"])
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            pass  # a hand-made sidecar without board_id: infer from the rows below
    n_rows = _file_row_count(path)
    if n_rows == BoardShim.get_num_rows(SYNTHETIC_BOARD_ID):
        return SYNTHETIC_BOARD_ID
    layouts: dict[tuple, list[int]] = {}
    for board in BoardIds:
        if board.value in (PLAYBACK_BOARD_ID, SYNTHETIC_BOARD_ID) or board.value < -1:
            continue
        try:
            if BoardShim.get_num_rows(board.value) != n_rows:
                continue
            fs, rows, _ = describe_board(board.value)
        except (BrainFlowError, EmgSourceError, ValueError):
            continue
        layouts.setdefault((fs, tuple(rows)), []).append(board.value)
    if len(layouts) > 1:
        # Same row count, different rates (Cyton 250 Hz, Cyton WiFi 1000 Hz): the file's
        # own timestamps tell them apart.
        rate = _file_rate_hz(path, layouts)
        if rate is not None:
            layouts = {k: v for k, v in layouts.items() if abs(k[0] - rate) < 0.2 * k[0]}
    if len(layouts) == 1:
        return min(next(iter(layouts.values())), key=abs)
    candidates = sorted(b for boards in layouts.values() for b in boards)
    which = (
        "boards " + ", ".join(f"{board_name(b)} ({b})" for b in candidates[:8])
        + (" ..." if len(candidates) > 8 else "")
        if candidates else "no known board"
    )
    raise EmgSourceError(
        f"BrainFlow playback file {path}: its {n_rows} rows match {which}; name the board "
        "that recorded it with --bf-master-board ID (e.g. 0 for Cyton)"
    )


def _file_rate_hz(path: Path, layouts: dict[tuple, list[int]]) -> float | None:
    """Rate (Hz) from a BrainFlow file's timestamp row (the candidates' timestamp row),
    from its first 500 samples; None when it cannot be told."""
    from brainflow.board_shim import BoardShim

    ts_rows = {int(BoardShim.get_timestamp_channel(b[0])) for b in layouts.values()}
    if len(ts_rows) != 1:
        return None
    (ts_row,) = ts_rows
    try:
        with path.open("rb") as fh:
            lines = [fh.readline() for _ in range(500)]
        stamps = np.array([float(ln.split(b"\t")[ts_row]) for ln in lines if ln.strip()])
    except (OSError, ValueError, IndexError):
        return None
    steps = np.diff(stamps)
    steps = steps[steps > 0]
    if steps.size < 10:
        return None
    # Devices deliver in packets stamped together: the mean step over the span is robust.
    return float((stamps.size - 1) / (stamps[-1] - stamps[0])) if stamps[-1] > stamps[0] else None


def check_master_board(path: Path, master_board: int) -> None:
    """Refuse a playback whose file has another row count than its master board's layout
    (BrainFlow would stream silence without an error)."""
    from brainflow.board_shim import BoardShim
    from brainflow.exit_codes import BrainFlowError

    try:
        expected = int(BoardShim.get_num_rows(master_board))
    except (BrainFlowError, ValueError) as exc:
        raise EmgSourceError(f"unknown BrainFlow board id {master_board}: {exc}") from exc
    n_rows = _file_row_count(path)
    if n_rows != expected:
        raise EmgSourceError(
            f"BrainFlow playback file {path} has {n_rows} rows but master board "
            f"{board_name(master_board)} ({master_board}) writes {expected}: give the board "
            "that recorded it with --bf-master-board ID"
        )


class BrainFlowSource(EmgSource):
    """Any BrainFlow board by id (``-1`` synthetic, ``-3`` playback of a recorded file)."""

    def __init__(self, board_id: int, params: BrainFlowParams | None = None,
                 name: str | None = None) -> None:
        self.board_id = int(board_id)
        self.params = params or BrainFlowParams()
        super().__init__(name or f"BrainFlow {board_name(self.board_id)}")
        self._board = None
        self._rows: list[int] = []
        self._inferred_master: int | None = None

    def _descr_board(self) -> int:
        if self.board_id == PLAYBACK_BOARD_ID:
            if self.params.master_board is not None:
                return self.params.master_board
            if self._inferred_master is None:
                self._inferred_master = infer_master_board(Path(self.params.file))
            return self._inferred_master
        return self.board_id

    def _open(self) -> EmgStreamInfo:
        from brainflow.board_shim import BoardShim, BrainFlowInputParams
        from brainflow.exit_codes import BrainFlowError

        BoardShim.disable_board_logger()
        if self.board_id == PLAYBACK_BOARD_ID and not Path(self.params.file).is_file():
            raise EmgSourceError(f"BrainFlow playback file not found: {self.params.file}")
        if self.board_id == PLAYBACK_BOARD_ID:
            check_master_board(Path(self.params.file), self._descr_board())
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
        commands: list[str] = []
        if self.params.preset:
            from facetrainer.emg.board_presets import preset_commands

            commands = preset_commands(self.params.preset, self.board_id, len(rows))
        board = BoardShim(self.board_id, p)
        try:
            board.prepare_session()
            if self.board_id == PLAYBACK_BOARD_ID:
                board.config_board("loopback_true")
            for command in commands:
                reply = board.config_board(command)
                log.info("BrainFlow %s: preset %s: %s -> %r", board_name(self.board_id),
                         self.params.preset, command, reply)
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
        return EmgStreamInfo(fs, tuple(names), extra={"board_id": self.board_id,
                                                      "preset": self.params.preset})

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
