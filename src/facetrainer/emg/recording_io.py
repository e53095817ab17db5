"""Reading EMG recordings: CSV, BrainFlow files and EDF/EDF+ (see ``recorder.py`` for writing).

- **CSV**: a header row naming the columns, comma-, tab- or semicolon-separated. A column
  named ``time_s``/``time``/``t``/``timestamp``/``seconds`` (seconds) or ``time_ms``
  (milliseconds) gives the sampling rate (1 / median step) when none is given; every
  other column is a channel. Empty or non-numeric cells read as NaN (a gap).
- **BrainFlow** (``DataFilter.write_file``): tab-separated numbers, one line per sample,
  one column per row of the board's data layout, no header. The layout (which rows are
  EMG, which is the timestamp) and the rate come from a ``FILE.json`` sidecar written by
  FaceTrainer's recorder, else from the board named by ``board_id``, else - for files
  with the synthetic board's 32 rows (what ``--emg playback:FILE`` replays by default) -
  from the synthetic board.
- **EDF/EDF+ and BDF/BDF+** (pyedflib; OpenBCI GUI's ``.bdf`` too): channels by signal
  label, physical units converted to µV; without ``channels``, only the voltage channels
  at the highest rate are read (accelerometer channels in ``g`` are left out).
- **OpenBCI GUI text** (``OpenBCI-RAW-*.txt``, first line ``%OpenBCI Raw EXG Data``): the
  EXG channels, with the rate from the header (see ``openbci_text.py``). Any other text
  file whose first line is a comment (``%``, ``#``) is refused, naming that line.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TIME_COLUMNS_S = ("time_s", "time", "t", "timestamp", "seconds", "times_s")
TIME_COLUMNS_MS = ("time_ms", "timestamp_ms", "t_ms")
# sampling rates FaceTrainer accepts: filters and analysis windows scale with the rate, so
# a rate of 1e10 Hz (a typo, or a time column in the wrong unit) would allocate many GiB
MIN_FS_HZ = 1.0
MAX_FS_HZ = 100_000.0
_EDF_UNIT_TO_UV = {"uv": 1.0, "µv": 1.0, "μv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3}


class RecordingError(ValueError):
    """A recording cannot be read or used; the message names the file and what is wrong."""


@dataclass
class EmgRecording:
    """A whole recording in memory: data (n_channels, n) in µV."""

    data_uv: np.ndarray
    fs_hz: float
    channel_names: list[str]
    path: Path | None = None
    notes: list[str] = field(default_factory=list)  # tolerated problems, for the user

    def select(self, names: Sequence[str]) -> EmgRecording:
        """Only the named channels, in that order; unknown names raise :class:`RecordingError`."""
        unknown = [n for n in names if n not in self.channel_names]
        if unknown:
            raise RecordingError(
                f"{self.path}: unknown channel(s) {', '.join(map(repr, unknown))}; "
                f"available: {', '.join(self.channel_names)}"
            )
        idx = [self.channel_names.index(n) for n in names]
        return EmgRecording(self.data_uv[idx], self.fs_hz, list(names), self.path, self.notes)


def detect_format(path: Path) -> str:
    """``"edf"``, ``"brainflow"``, ``"openbci"`` or ``"csv"`` from the extension and the
    first line; an unknown commented text header raises :class:`RecordingError`."""
    if path.suffix.lower() in (".edf", ".bdf", ".rec"):
        return "edf"
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read: {exc}") from exc
    if head.startswith(b"0       ") and len(head) >= 256:
        return "edf"
    first = head.split(b"\n", 1)[0].strip()
    if not first:
        raise RecordingError(f"{path}: the file is empty")
    if first.startswith((b"%", b"#")):
        from facetrainer.emg.openbci_text import OPENBCI_FIRST_LINES, is_openbci_text

        text = first.decode("utf-8", "replace").lstrip("\ufeff")
        if is_openbci_text(text):
            return "openbci"
        raise RecordingError(
            f"{path}: unknown text layout: its first line {text!r} is not a header this "
            f"reader knows ({' or '.join(map(repr, OPENBCI_FIRST_LINES))}, or a CSV header "
            "row naming the columns)"
        )
    fields = first.split(b"\t")
    try:
        [float(f) for f in fields]
    except ValueError:
        return "csv"
    return "brainflow" if len(fields) >= 2 else "csv"


def read_recording(
    path: str | Path,
    fs_hz: float | None = None,
    channels: Sequence[str] | None = None,
    board_id: int | None = None,
) -> EmgRecording:
    """Read any supported recording; ``fs_hz`` overrides the file's rate."""
    path = Path(path)
    if path.is_dir():
        raise RecordingError(f"{path}: is a folder, not a recording file")
    if not path.is_file():
        raise RecordingError(f"{path}: no such file")
    if fs_hz is not None:
        check_rate(fs_hz, "sampling rate (--fs)")
    kind = detect_format(path)
    if kind == "edf":
        rec = read_edf_recording(path, channels)
        if fs_hz is not None:
            rec.fs_hz = float(fs_hz)
    elif kind == "brainflow":
        rec = read_brainflow_recording(path, fs_hz, board_id)
    elif kind == "openbci":
        from facetrainer.emg.openbci_text import read_openbci_text

        rec = read_openbci_text(path, fs_hz)
    else:
        rec = read_csv_recording(path, fs_hz)
    if channels:
        rec = rec.select(channels)
    if rec.data_uv.shape[1] < 2:
        raise RecordingError(f"{path}: holds fewer than two samples")
    check_rate(rec.fs_hz, f"{path}: sampling rate")
    return rec


def check_rate(fs_hz: float, what: str) -> float:
    """``fs_hz`` as a float when within [MIN_FS_HZ, MAX_FS_HZ]; :class:`RecordingError` else."""
    ok = isinstance(fs_hz, int | float) and np.isfinite(fs_hz)
    if not ok or not MIN_FS_HZ <= fs_hz <= MAX_FS_HZ:
        raise RecordingError(
            f"{what} {fs_hz!r} Hz is out of range: allowed {MIN_FS_HZ:g} to {MAX_FS_HZ:g} Hz"
        )
    return float(fs_hz)


def _parse_float(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def read_csv_recording(path: Path, fs_hz: float | None = None) -> EmgRecording:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header_line = fh.readline()
            delimiter = next((d for d in (",", "\t", ";") if d in header_line), ",")
            header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
            table, notes = _read_csv_table(fh, delimiter, len(header))
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(f"{path}: cannot read as CSV text: {exc}") from exc
    if len(header) < 1 or not all(header):
        raise RecordingError(
            f"{path}: the first line must be a header naming every column, "
            f"got {header_line.strip()!r}"
        )
    if all(_is_number(h) for h in header):
        raise RecordingError(
            f"{path}: the first line must be a header naming the columns (found numbers)"
        )
    n_col = len(header)
    lower = [h.lower() for h in header]
    time_idx, scale = None, 1.0
    for j, h in enumerate(lower):
        if h in TIME_COLUMNS_S or h in TIME_COLUMNS_MS:
            time_idx, scale = j, (1e-3 if h in TIME_COLUMNS_MS else 1.0)
            break
    channel_idx = [j for j in range(n_col) if j != time_idx]
    if not channel_idx:
        raise RecordingError(f"{path}: no channel columns besides the time column")
    if fs_hz is None:
        if time_idx is None:
            raise RecordingError(
                f"{path}: no sampling rate: no time column ({', '.join(TIME_COLUMNS_S)}) "
                "and no rate given (use --fs HZ)"
            )
        fs_hz = _rate_from_times(table[:, time_idx] * scale, path, header[time_idx])
    data = table[:, channel_idx].T.copy()
    for j, name in zip(channel_idx, (header[j] for j in channel_idx), strict=True):
        if table.shape[0] and np.isnan(table[:, j]).all():
            raise RecordingError(f"{path}: column {name!r} holds no numbers")
    return EmgRecording(data, float(fs_hz), [header[j] for j in channel_idx], path, notes)


def _read_csv_table(fh, delimiter: str, n_col: int) -> tuple[np.ndarray, list[str]]:
    """The numbers below the header: numpy's C parser for clean files (fast), else a
    forgiving cell-by-cell parse (empty or non-numeric cells -> NaN, ragged rows padded)."""
    start = fh.tell()
    try:
        table = np.loadtxt(fh, delimiter=delimiter, ndmin=2, dtype=np.float64)
        if table.size == 0:
            return np.zeros((0, n_col)), []
        if table.shape[1] == n_col:
            return table, []
    except ValueError:
        pass
    fh.seek(start)
    rows = [row for row in csv.reader(fh, delimiter=delimiter) if any(c.strip() for c in row)]
    table = np.full((len(rows), n_col), np.nan)
    bad_rows = 0
    for i, row in enumerate(rows):
        if len(row) != n_col:
            bad_rows += 1
        for j, cell in enumerate(row[:n_col]):
            cell = cell.strip()
            table[i, j] = _parse_float(cell) if cell else np.nan
    notes = []
    if bad_rows:
        notes.append(
            f"{bad_rows} row(s) with a wrong number of columns (missing cells read as NaN)"
        )
    return table, notes


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _rate_from_times(times_s: np.ndarray, path: Path, column: str) -> float:
    """1 / mean sample step, leaving out gaps (steps over 1.5 x the median step).

    The mean over regular steps is far less sensitive to the rounding of written
    timestamps than the median step alone.
    """
    t = times_s[np.isfinite(times_s)]
    steps = np.diff(t)
    steps = steps[steps > 0]
    if steps.size == 0:
        raise RecordingError(
            f"{path}: column {column!r} does not increase; cannot tell the "
            "sampling rate (use --fs HZ)"
        )
    regular = steps[steps <= 1.5 * np.median(steps)]
    return float(1.0 / regular.mean())


def _sidecar(path: Path) -> dict | None:
    side = path.with_name(path.name + ".json")
    if not side.is_file():
        return None
    from facetrainer.config_files import parse_json, read_config_text

    try:  # ValueError includes ConfigFileError: too large, nested too deeply, not JSON
        doc = parse_json(read_config_text(side, "recording description"), str(side))
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{side}: cannot read the recording's description: {exc}") from exc
    if not isinstance(doc, dict):
        raise RecordingError(f"{side}: the recording's description must be a JSON object")
    for key in ("fs_hz", "channel_rows", "channel_names"):
        if key not in doc:
            raise RecordingError(f"{side}: missing field {key!r}")
    return doc


def read_brainflow_recording(
    path: Path, fs_hz: float | None = None, board_id: int | None = None
) -> EmgRecording:
    from brainflow.data_filter import DataFilter
    from brainflow.exit_codes import BrainFlowError

    try:
        table = np.atleast_2d(np.asarray(DataFilter.read_file(str(path)), dtype=np.float64))
    except (BrainFlowError, ValueError, OSError) as exc:
        raise RecordingError(f"{path}: not a readable BrainFlow file: {exc}") from exc
    n_rows = table.shape[0]
    side = _sidecar(path)
    if side is not None:
        rows = [int(r) for r in side["channel_rows"]]
        names = [str(n) for n in side["channel_names"]]
        rate = float(side["fs_hz"])
    else:
        from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, describe_board

        board = board_id
        if board is None:
            from brainflow.board_shim import BoardShim

            if n_rows != BoardShim.get_num_rows(SYNTHETIC_BOARD_ID):
                raise RecordingError(
                    f"{path}: a BrainFlow file with {n_rows} rows and no {path.name}.json "
                    "description: name its board (--board ID) to tell which rows are EMG"
                )
            board = SYNTHETIC_BOARD_ID
        try:
            rate, rows, names = describe_board(board)
        except Exception as exc:  # EmgSourceError: unknown board id
            raise RecordingError(f"{path}: {exc}") from exc
    if max(rows) >= n_rows:
        raise RecordingError(f"{path}: has {n_rows} rows but its layout needs row {max(rows)}")
    return EmgRecording(table[rows].copy(), float(fs_hz or rate), names, path)


def read_edf_recording(path: Path, channels: Sequence[str] | None = None) -> EmgRecording:
    import pyedflib

    try:
        reader = pyedflib.EdfReader(str(path))
    except OSError as exc:
        raise RecordingError(f"{path}: not a readable EDF/EDF+ file: {exc}") from exc
    try:
        labels = [str(s).strip() for s in reader.getSignalLabels()]
        rates = [float(r) for r in reader.getSampleFrequencies()]
        if not labels:
            raise RecordingError(f"{path}: holds no signals")
        if channels:
            unknown = [c for c in channels if c not in labels]
            if unknown:
                raise RecordingError(
                    f"{path}: unknown channel(s) "
                    f"{', '.join(map(repr, unknown))}; available: "
                    f"{', '.join(labels)}"
                )
            idx = [labels.index(c) for c in channels]
            if len({rates[i] for i in idx}) > 1:
                raise RecordingError(
                    f"{path}: the chosen channels have different rates "
                    f"({', '.join(f'{labels[i]}={rates[i]:g} Hz' for i in idx)})"
                )
        else:
            units = [reader.getPhysicalDimension(i).strip().lower() for i in range(len(labels))]
            voltage = [i for i, u in enumerate(units) if u in _EDF_UNIT_TO_UV]
            pool = voltage or list(range(len(labels)))
            top = max(rates[i] for i in pool)
            idx = [i for i in pool if rates[i] == top]
        notes = []
        if len(idx) < len(labels) and not channels:
            notes.append(
                f"skipped channel(s) not in volts or sampled below {rates[idx[0]]:g} Hz: "
                + ", ".join(labels[i] for i in range(len(labels)) if i not in idx)
            )
        signals = []
        for i in idx:
            unit = reader.getPhysicalDimension(i).strip().lower()
            scale = _EDF_UNIT_TO_UV.get(unit)
            if scale is None:
                notes.append(f"channel {labels[i]!r}: unit {unit!r} read as µV")
                scale = 1.0
            signals.append(reader.readSignal(i) * scale)
    finally:
        reader.close()
    n = min(len(s) for s in signals)
    return EmgRecording(
        np.vstack([s[:n] for s in signals]), rates[idx[0]], [labels[i] for i in idx], path, notes
    )
