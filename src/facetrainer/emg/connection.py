"""An EMG connection as the user sets it up: checked, tested for a second, then built.

:class:`ConnectionSettings` is what the Connect-EMG dialog edits (a BrainFlow board or a
serial text device) and what is remembered per device (``to_dict``/``from_dict``, JSON).
:func:`check_settings` refuses a missing field by name before anything is opened;
:func:`test_connection` opens the device, reads about a second and reports per-channel
signal quality; :meth:`ConnectionSettings.build_source` gives the (unstarted) source the
window applies. A BrainFlow failure is explained with the board, the field BrainFlow's
exit code points at, and BrainFlow's own reason.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from facetrainer.emg.board_catalog import FIELD_LABELS, board_choice, board_fields
from facetrainer.emg.brainflow_source import BrainFlowParams, BrainFlowSource
from facetrainer.emg.quality import assess_signal_quality
from facetrainer.emg.source import EmgSource, EmgSourceError
from facetrainer.source_status import SourceState

# BrainFlow exit code -> (the field it usually points at, what to check)
BRAINFLOW_REASONS: dict[str, tuple[str, str]] = {
    "UNABLE_TO_OPEN_PORT_ERROR": ("serial_port", "the port could not be opened: is the dongle "
                                  "plugged in, is this its port, does another program use it?"),
    "PORT_ALREADY_OPEN_ERROR": ("serial_port", "another program already has the port open"),
    "SER_PORT_ERROR": ("serial_port", "the serial port failed: replug the dongle"),
    "BOARD_NOT_READY_ERROR": ("", "the board does not answer: is it switched on and in range?"),
    "INVALID_ARGUMENTS_ERROR": ("", "a connection field is missing or wrong for this board"),
    "UNSUPPORTED_BOARD_ERROR": ("", "this BrainFlow build does not support the board here"),
    "GENERAL_ERROR": ("", "BrainFlow could not start the board"),
    "SYNC_TIMEOUT_ERROR": ("", "the board did not answer in time"),
}


class ConnectionSettingsError(EmgSourceError):
    """A connection cannot be made as set up; the message names the device and field."""

    def __init__(self, message: str, field_name: str = "") -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass
class SerialSettings:
    """A text-protocol serial EMG device (see :mod:`facetrainer.emg.serial_source`)."""

    port: str = ""
    baud: int = 115200
    fs_hz: float = 1000.0
    n_channels: int = 2
    scale_uv: float = 1.0
    is_envelope: bool = False
    has_timestamp: bool = False


@dataclass
class ConnectionSettings:
    """One EMG device's connection: ``kind`` is ``"brainflow"``, ``"serial"`` or ``"lsl"``
    (a Lab Streaming Layer stream by name or type, :mod:`facetrainer.emg.lsl_source`)."""

    kind: str = "brainflow"
    board: str = "SYNTHETIC_BOARD"  # BrainFlow BoardIds name
    params: BrainFlowParams = field(default_factory=BrainFlowParams)
    serial: SerialSettings = field(default_factory=SerialSettings)
    lsl_stream: str = ""

    @property
    def board_id(self) -> int:
        return board_choice(self.board).board_id

    def device_key(self) -> str:
        """Which device these settings are remembered for."""
        if self.kind == "serial":
            return f"serial:{self.serial.port}"
        if self.kind == "lsl":
            return f"lsl:{self.lsl_stream}"
        return f"brainflow:{self.board.lower()}"

    def describe(self) -> str:
        if self.kind == "serial":
            s = self.serial
            return f"serial {s.port} ({s.n_channels} ch @ {s.fs_hz:g} Hz)"
        if self.kind == "lsl":
            return f"LSL stream {self.lsl_stream}"
        return board_choice(self.board).label

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "board": self.board,
            "params": asdict(self.params),
            "serial": asdict(self.serial),
            "lsl_stream": self.lsl_stream,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConnectionSettings:
        """Settings back from ``to_dict``; unknown keys are ignored (older/newer versions)."""
        p = {k: v for k, v in dict(data.get("params", {})).items()
             if k in BrainFlowParams.__dataclass_fields__}
        s = {k: v for k, v in dict(data.get("serial", {})).items()
             if k in SerialSettings.__dataclass_fields__}
        return cls(
            kind=str(data.get("kind", "brainflow")),
            board=str(data.get("board", "SYNTHETIC_BOARD")),
            params=BrainFlowParams(**p),
            serial=SerialSettings(**s),
            lsl_stream=str(data.get("lsl_stream", "")),
        )

    def build_source(self) -> EmgSource:
        """The (unstarted) source; :class:`ConnectionSettingsError` for a missing field."""
        check_settings(self)
        if self.kind == "serial":
            from facetrainer.emg.serial_source import SerialEmgSource

            s = self.serial
            return SerialEmgSource(
                s.port, baud=s.baud, fs_hz=s.fs_hz,
                channel_names=tuple(f"ch{i + 1}" for i in range(s.n_channels)),
                has_timestamp=s.has_timestamp, is_envelope=s.is_envelope, scale_uv=s.scale_uv,
            )
        if self.kind == "lsl":
            from facetrainer.emg.lsl_source import LslEmgSource

            return LslEmgSource(self.lsl_stream)
        return BrainFlowSource(self.board_id, self.params)


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, int) and value == 0)


def check_settings(settings: ConnectionSettings) -> None:
    """Refuse settings that cannot work, naming the device and the field."""
    if settings.kind == "serial":
        s = settings.serial
        checks = (
            ("port", bool(s.port.strip()), "pick the device's port from the list or type it"),
            ("baud", s.baud > 0, "must be a positive integer"),
            ("sampling rate", np.isfinite(s.fs_hz) and s.fs_hz > 0, "must be > 0 Hz"),
            ("channels", 1 <= s.n_channels <= 64, "must be 1-64"),
            ("scale", np.isfinite(s.scale_uv) and s.scale_uv > 0, "must be > 0 µV per unit"),
        )
        for name, ok, why in checks:
            if not ok:
                raise ConnectionSettingsError(
                    f"serial EMG device {s.port or '(no port)'}: {name}: {why}", name
                )
        return
    if settings.kind == "lsl":
        if not settings.lsl_stream.strip():
            raise ConnectionSettingsError(
                "Lab Streaming Layer: stream is empty; pick a stream or type its name or type",
                "lsl_stream")
        return
    if settings.kind != "brainflow":
        raise ConnectionSettingsError(
            f"kind {settings.kind!r}: use 'brainflow', 'serial' or 'lsl'", "kind")
    choice = board_choice(settings.board)
    for name in board_fields(choice.board_id).required:
        if _empty(getattr(settings.params, name)):
            raise ConnectionSettingsError(
                f"BrainFlow board {choice.label}: {FIELD_LABELS[name]} is empty; this board "
                f"needs it ({board_fields(choice.board_id).hint or 'see its documentation'})",
                name,
            )


def explain_failure(settings: ConnectionSettings, reason: str) -> ConnectionSettingsError:
    """A failure to open, with the board, the field it most likely concerns and why."""
    if settings.kind == "serial":
        return ConnectionSettingsError(
            f"serial EMG device: port {settings.serial.port!r}: {reason}", "port"
        )
    choice = board_choice(settings.board)
    code = next((c for c in BRAINFLOW_REASONS if c in reason), "")
    field_name, hint = BRAINFLOW_REASONS.get(code, ("", ""))
    if not field_name and code == "INVALID_ARGUMENTS_ERROR":
        missing = [f for f in board_fields(choice.board_id).shown
                   if _empty(getattr(settings.params, f))]
        field_name = missing[0] if missing else ""
    where = ""
    if field_name:
        where = f", {FIELD_LABELS[field_name]} {getattr(settings.params, field_name)!r}"
    text = f"BrainFlow board {choice.label}{where}: {hint + ' — ' if hint else ''}BrainFlow says: {reason}"
    return ConnectionSettingsError(text, field_name)


@dataclass(frozen=True)
class ChannelQuality:
    name: str
    rms_uv: float
    hints: tuple[str, ...]  # flat, saturated, mains (facetrainer.emg.quality)

    @property
    def verdict(self) -> str:
        return "ok" if not self.hints else ", ".join(self.hints)


@dataclass(frozen=True)
class ProbeReport:
    """One second read from the device."""

    fs_hz: float
    n_samples: int
    channels: tuple[ChannelQuality, ...]

    def describe(self) -> str:
        lines = [f"{self.n_samples} samples per channel at {self.fs_hz:g} Hz"]
        lines += [f"{c.name}: {c.rms_uv:.1f} µV RMS — {c.verdict}" for c in self.channels]
        return "\n".join(lines)


def probe_connection(
    settings: ConnectionSettings, duration_s: float = 1.0, timeout_s: float = 10.0
) -> ProbeReport:
    """Open the device, read ``duration_s`` of samples, close it; report each channel.

    Raises :class:`ConnectionSettingsError` naming the device, field and reason when it
    cannot be opened or sends nothing.
    """
    source = settings.build_source()
    got: list[np.ndarray] = []
    lock = threading.Lock()

    def keep(data: np.ndarray, _times: np.ndarray) -> None:
        with lock:
            got.append(np.array(data, dtype=np.float64))

    source.subscribe(keep)
    source.start()
    try:
        if not source.wait_ready(timeout_s):
            status = source.status
            reason = status.message or status.state.name.lower()
            if status.state == SourceState.CONNECTING:
                reason = f"no answer within {timeout_s:g} s"
            raise explain_failure(settings, reason)
        assert source.info is not None
        need = int(round(duration_s * source.info.fs_hz))
        deadline = time.monotonic() + max(timeout_s, 2 * duration_s)
        while time.monotonic() < deadline:
            with lock:
                n = sum(c.shape[1] for c in got)
            if n >= need:
                break
            time.sleep(0.02)
        info = source.info
    finally:
        source.stop()
    with lock:
        data = np.concatenate(got, axis=1) if got else np.zeros((info.n_channels, 0))
    if data.shape[1] == 0:
        raise explain_failure(settings, f"no samples arrived within {timeout_s:g} s")
    hints = assess_signal_quality(data, info.fs_hz)
    rms = np.sqrt(np.nanmean((data - np.nanmean(data, axis=1, keepdims=True)) ** 2, axis=1))
    return ProbeReport(
        info.fs_hz,
        int(data.shape[1]),
        tuple(ChannelQuality(n, float(r), h)
              for n, r, h in zip(info.channel_names, rms, hints, strict=True)),
    )
