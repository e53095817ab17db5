"""Raw recording of any EMG source to CSV and to BrainFlow's file format, as it streams.

- CSV: header ``time_s,<channel names>``; ``time_s`` counts seconds from the first sample
  on the app clock; values in µV (``%.6g``); NaN for gaps.
- BrainFlow: ``DataFilter.write_file`` (tab-separated, one line per sample, one column per
  row of a board's data layout) in the layout of ``board_id`` - by default the recorded
  board's own for a BrainFlow source, else the synthetic board's (at most 16 channels) -
  with the package counter and a UNIX timestamp in the board's rows, so BrainFlow's
  playback board can replay it (``--emg playback:FILE``, ``--bf-master-board`` for a
  board other than the synthetic one). A ``FILE.json`` sidecar records the rate, channel
  names and rows, which :func:`~facetrainer.emg.recording_io.read_recording` uses.

Chunks are written on the source thread as they arrive (buffered file writes), so no
sample is dropped; :meth:`EmgRecorder.stop` flushes and closes.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from facetrainer import clock
from facetrainer.atomic_files import write_text_atomic
from facetrainer.emg.source import EmgSource


def write_csv_recording(
    path: str | Path, data_uv: np.ndarray, times_s: np.ndarray, channel_names: Sequence[str]
) -> None:
    """Write a whole recording as CSV (see the module docstring)."""
    writer = CsvWriter(Path(path), channel_names)
    writer.write(np.asarray(data_uv, dtype=np.float64), np.asarray(times_s, dtype=np.float64))
    writer.close()


class CsvWriter:
    def __init__(self, path: Path, channel_names: Sequence[str]) -> None:
        self.path = path
        # raw EMG is patient data: private (0600) whatever the process umask
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._fh.write(",".join(["time_s", *channel_names]) + "\n")
        self._t0: float | None = None

    def write(self, data_uv: np.ndarray, times_s: np.ndarray) -> None:
        if data_uv.shape[1] == 0:
            return
        if self._t0 is None:
            self._t0 = float(times_s[0])
        table = np.column_stack([times_s - self._t0, data_uv.T])
        np.savetxt(self._fh, table, fmt="%.6f" + ",%.6g" * data_uv.shape[0], delimiter=",")

    def close(self) -> None:
        self._fh.close()


class BrainFlowWriter:
    """Appends chunks to a BrainFlow file in a board's row layout."""

    def __init__(
        self, path: Path, fs_hz: float, channel_names: Sequence[str], board_id: int | None = None
    ) -> None:
        from brainflow.board_shim import BoardShim

        from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, describe_board

        self.path = path
        self.board_id = SYNTHETIC_BOARD_ID if board_id is None else int(board_id)
        _, rows, _ = describe_board(self.board_id)
        if len(channel_names) > len(rows):
            raise ValueError(
                f"board {self.board_id} holds {len(rows)} EMG rows, cannot record "
                f"{len(channel_names)} channels in its layout"
            )
        self.rows = rows[: len(channel_names)]
        self.n_rows = int(BoardShim.get_num_rows(self.board_id))
        self.timestamp_row = int(BoardShim.get_timestamp_channel(self.board_id))
        self.package_row = int(BoardShim.get_package_num_channel(self.board_id))
        self._unix_minus_clock = time.time() - clock.now()
        self._package = 0
        self._mode = "w"
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # private
        write_text_atomic(
            path.with_name(path.name + ".json"),
            json.dumps(
                {
                    "format": "brainflow",
                    "board_id": self.board_id,
                    "fs_hz": fs_hz,
                    "channel_names": list(channel_names),
                    "channel_rows": self.rows,
                    "timestamp_row": self.timestamp_row,
                },
                indent=2,
            ),
        )

    def write(self, data_uv: np.ndarray, times_s: np.ndarray) -> None:
        from brainflow.data_filter import DataFilter

        n = data_uv.shape[1]
        if n == 0:
            return
        table = np.zeros((self.n_rows, n))
        table[self.rows] = data_uv
        table[self.package_row] = (self._package + np.arange(n)) % 256
        table[self.timestamp_row] = times_s + self._unix_minus_clock
        self._package += n
        DataFilter.write_file(np.ascontiguousarray(table), str(self.path), self._mode)
        self._mode = "a"

    def close(self) -> None:
        """Nothing stays open between chunks (BrainFlow opens the file per call)."""


class EmgRecorder:
    """Subscribes to a source and writes every chunk to CSV and/or a BrainFlow file.

    Call :meth:`start` before or after the source starts (chunks from then on are
    recorded) and :meth:`stop` to close the files.
    """

    def __init__(
        self,
        source: EmgSource,
        csv_path: str | Path | None = None,
        brainflow_path: str | Path | None = None,
        board_id: int | None = None,
    ) -> None:
        if csv_path is None and brainflow_path is None:
            raise ValueError("EmgRecorder needs csv_path and/or brainflow_path")
        self.source = source
        self.csv_path = Path(csv_path) if csv_path is not None else None
        self.brainflow_path = Path(brainflow_path) if brainflow_path is not None else None
        self.board_id = board_id
        self.n_samples = 0
        self._writers: list[CsvWriter | BrainFlowWriter] | None = None
        self._lock = threading.Lock()
        self._recording = False

    def start(self) -> None:
        self._recording = True
        self.source.subscribe(self._on_chunk)

    def _open_writers(self) -> list[CsvWriter | BrainFlowWriter]:
        info = self.source.info
        assert info is not None  # the source delivers only once open
        writers: list[CsvWriter | BrainFlowWriter] = []
        if self.csv_path is not None:
            writers.append(CsvWriter(self.csv_path, info.channel_names))
        if self.brainflow_path is not None:
            board = self.board_id
            if board is None:
                descr_board = getattr(self.source, "_descr_board", None)
                board = descr_board() if callable(descr_board) else None
            writers.append(
                BrainFlowWriter(self.brainflow_path, info.fs_hz, info.channel_names, board)
            )
        return writers

    def _on_chunk(self, data: np.ndarray, times_s: np.ndarray) -> None:
        with self._lock:
            if not self._recording:
                return
            if self._writers is None:
                self._writers = self._open_writers()
            for w in self._writers:
                w.write(data, times_s)
            self.n_samples += data.shape[1]

    def stop(self) -> None:
        with self._lock:
            self._recording = False
            for w in self._writers or []:
                w.close()
