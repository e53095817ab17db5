"""OpenBCI GUI raw text recordings (``OpenBCI-RAW-*.txt``).

OpenBCI GUI writes two layouts, both comma-separated with ``%`` header lines:

- **v5 and later** (``%OpenBCI Raw EXG Data``): header lines ``%Number of channels = N``,
  ``%Sample Rate = 250 Hz`` and ``%Board = ...``, then one row naming the columns
  (``Sample Index, EXG Channel 0, ..., Accel Channel 0, ..., Timestamp, ...,
  Timestamp (Formatted)``). The ``EXG Channel K`` columns hold µV.
- **v4** (``%OpenBCI Raw EEG Data``): the same ``%`` lines (``%Sample Rate = 250.0 Hz``)
  and no column row: the sample index, then the N channels in µV, then accelerometer
  and time columns.

Only the EXG columns are read; accelerometer, digital, analog and time columns are left
out. The rate and the channel columns come from the header (``--fs`` still overrides the
rate). A file that starts with ``%`` but is neither layout is refused, naming its first
line, instead of being misread as one bogus channel.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from facetrainer.emg.recording_io import EmgRecording, RecordingError, _is_number

OPENBCI_FIRST_LINES = ("%OpenBCI Raw EXG Data", "%OpenBCI Raw EEG Data")
_KEY_VALUE = re.compile(r"^%\s*([^=]+?)\s*=\s*(.*?)\s*$")
_EXG_COLUMN = re.compile(r"^EXG Channel (\d+)$", re.IGNORECASE)
_RATE = re.compile(r"^([0-9]+(?:\.[0-9]*)?)\s*(?:Hz)?$", re.IGNORECASE)


def is_openbci_text(first_line: str) -> bool:
    """True when a file's first line is an OpenBCI GUI raw-recording header."""
    return first_line.strip().lower() in (s.lower() for s in OPENBCI_FIRST_LINES)


def read_openbci_text(path: Path, fs_hz: float | None = None) -> EmgRecording:
    """Read an OpenBCI GUI raw text recording (see the module docstring).

    Returns an :class:`EmgRecording` of the EXG channels
    in µV; raises :class:`RecordingError` naming the file
    and what is wrong.
    """
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read: {exc}") from exc
    with fh:
        first = fh.readline().rstrip("\r\n")
        if not is_openbci_text(first):
            raise RecordingError(
                f"{path}: unknown text layout: its first line {first.strip()!r} is not a "
                f"header this reader knows ({' or '.join(map(repr, OPENBCI_FIRST_LINES))}, "
                "or a CSV header row naming the columns)"
            )
        header: dict[str, str] = {}
        line = fh.readline()
        while line.startswith("%"):
            m = _KEY_VALUE.match(line.strip())
            if m:
                header[m.group(1).strip().lower()] = m.group(2)
            line = fh.readline()
        rate = _header_rate(header, path) if fs_hz is None else float(fs_hz)
        n_declared = _header_channel_count(header, path)
        columns = [c.strip() for c in line.split(",")]
        if columns and not _is_number(columns[0]):
            # v5: a row naming the columns.
            exg = [(j, c) for j, c in enumerate(columns) if _EXG_COLUMN.match(c)]
            if not exg:
                raise RecordingError(
                    f"{path}: the column row names no 'EXG Channel K' column: {line.strip()!r}"
                )
            data_start = fh.tell()
        else:
            # v4: no column row; index, then the declared channels.
            if n_declared is None:
                raise RecordingError(
                    f"{path}: no '%Number of channels = N' line and no column row: "
                    "cannot tell which columns are channels"
                )
            exg = [(1 + k, f"EXG Channel {k}") for k in range(n_declared)]
            fh.seek(0)
            data_start = _offset_of_first_data_line(fh)
        fh.seek(data_start)
        usecols = [j for j, _ in exg]
        try:
            table = np.loadtxt(
                fh, delimiter=",", usecols=usecols, ndmin=2, dtype=np.float64,
                comments="%",
            )
        except (ValueError, IndexError) as exc:
            raise RecordingError(
                f"{path}: the EXG columns ({', '.join(n for _, n in exg)}) do not all hold "
                f"numbers: {exc}"
            ) from exc
    notes = []
    if n_declared is not None and n_declared != len(exg):
        notes.append(
            f"the header declares {n_declared} channels but {len(exg)} EXG columns were found"
        )
    board = header.get("board")
    if board:
        notes.append(f"OpenBCI GUI recording from {board} at {rate:g} Hz")
    return EmgRecording(table.T.copy(), rate, [n for _, n in exg], path, notes)


def _header_rate(header: dict[str, str], path: Path) -> float:
    text = header.get("sample rate")
    if text is None:
        raise RecordingError(
            f"{path}: no '%Sample Rate = ... Hz' header line (give the rate with --fs HZ)"
        )
    m = _RATE.match(text.strip())
    if not m or float(m.group(1)) <= 0:
        raise RecordingError(f"{path}: header '%Sample Rate = {text}' is not a rate in Hz")
    return float(m.group(1))


def _header_channel_count(header: dict[str, str], path: Path) -> int | None:
    text = header.get("number of channels")
    if text is None:
        return None
    try:
        n = int(text.strip())
    except ValueError:
        n = 0
    if n <= 0:
        raise RecordingError(f"{path}: header '%Number of channels = {text}' is not a count")
    return n


def _offset_of_first_data_line(fh) -> int:
    while True:
        pos = fh.tell()
        line = fh.readline()
        if not line or not line.startswith("%"):
            return pos

