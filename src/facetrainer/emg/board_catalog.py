"""What a user needs to choose an EMG device: boards by name, their fields, ports, rates.

BrainFlow's boards come from its own ``BoardIds`` enum and board descriptions, so a board
added to BrainFlow appears here without code. Which connection fields a board needs
(serial port, MAC address, IP address and port, serial number, file, master board) is not
in BrainFlow's descriptions; :data:`FIELD_RULES` holds it for the board families of
BrainFlow's "Supported Boards" documentation, and any other board shows every optional
field. Serial ports are pyserial's ``list_ports`` plus the ports the user typed (udev
symlinks and pseudo-terminals are not always listed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from facetrainer.emg.brainflow_source import (
    PLAYBACK_BOARD_ID,
    SYNTHETIC_BOARD_ID,
    describe_board,
)
from facetrainer.emg.source import EmgSourceError

STREAMING_BOARD_ID = -2
# Facial sEMG carries power up to 400-500 Hz (van Boxtel 2001): a rate below twice that
# loses the upper band. The warning starts at this rate.
MIN_FACIAL_EMG_RATE_HZ = 500.0
FACIAL_EMG_UPPER_HZ = 500.0

FIELD_LABELS = {
    "serial_port": "Serial port",
    "mac_address": "MAC address",
    "ip_address": "IP address",
    "ip_port": "IP port",
    "serial_number": "Serial number",
    "file": "File",
    "master_board": "Master board",
    "other_info": "Other info",
    "timeout": "Timeout (s)",
}


@dataclass(frozen=True)
class BoardFields:
    """Connection fields of a board: those it cannot work without, and optional ones."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    hint: str = ""

    @property
    def shown(self) -> tuple[str, ...]:
        return self.required + self.optional


_DONGLE = "the dongle's serial port (COM3, /dev/ttyUSB0, /dev/cu.usbserial-… on macOS)"
_WIFI = "IP address of the WiFi Shield (192.168.4.1 in direct mode) and any free local port"
_BLE = "found over Bluetooth LE; give the serial number when several are near"
# (pattern on the BoardIds name, fields) -- first match wins.
FIELD_RULES: tuple[tuple[str, BoardFields], ...] = (
    ("SYNTHETIC_BOARD", BoardFields(hint="BrainFlow's simulated board: sines, not EMG-like")),
    ("PLAYBACK_FILE_BOARD", BoardFields(("file", "master_board"), (),
                                        "replays a file recorded by BrainFlow")),
    ("STREAMING_BOARD", BoardFields(("ip_address", "ip_port", "master_board"), (),
                                    "multicast address and port another BrainFlow streams to")),
    ("GANGLION_BOARD", BoardFields(("serial_port",), ("mac_address", "timeout"), _DONGLE)),
    (r".*_BLED_BOARD", BoardFields(("serial_port",), ("serial_number", "timeout"),
                                   "BLED112 dongle's serial port")),
    (r"(CYTON|CYTON_DAISY|FREEEEG\d+|PIEEG|NEUROPAWN_KNIGHT)_BOARD.*",
     BoardFields(("serial_port",), (), _DONGLE)),
    (r"(GANGLION|CYTON|CYTON_DAISY|NTL)_WIFI_BOARD", BoardFields(("ip_port",),
                                                                  ("ip_address", "timeout"), _WIFI)),
    (r"EXPLORE.*_BOARD", BoardFields(("mac_address",), (), "the device's Bluetooth MAC address")),
    ("GANGLION_NATIVE_BOARD", BoardFields((), ("mac_address", "serial_number", "timeout"), _BLE)),
    (r"(GALEA|EMOTIBIT)_BOARD", BoardFields((), ("ip_address", "timeout"), "found on the network")),
    (r"CALLIBRI_.*_BOARD", BoardFields((), ("mac_address", "other_info", "timeout"), _BLE)),
    (r"(BRAINBIT|UNICORN|NOTION_\d|CROWN|MUSE_.*|ANT_NEURO_.*|ENOPHONE|AAVAA_V3)_BOARD",
     BoardFields((), ("serial_number", "timeout"), _BLE)),
)
_FALLBACK = BoardFields(
    (),
    ("serial_port", "mac_address", "ip_address", "ip_port", "serial_number", "other_info",
     "timeout"),
    "see BrainFlow's Supported Boards page for the fields this board needs",
)


@dataclass(frozen=True)
class BoardChoice:
    """One BrainFlow board as the user sees it."""

    board_id: int
    enum_name: str  # BrainFlow's BoardIds name, e.g. CYTON_BOARD
    label: str  # e.g. "Cyton (CYTON_BOARD, id 0)"


def _pretty(enum_name: str) -> str:
    words = enum_name.removesuffix("_BOARD").replace("_BOARD_", " ").split("_")
    return " ".join(w if w.isupper() and len(w) <= 4 else w.capitalize() for w in words)


def brainflow_boards() -> list[BoardChoice]:
    """Every board of the installed BrainFlow (its ``BoardIds``), synthetic first."""
    from brainflow.board_shim import BoardIds

    boards = [
        BoardChoice(b.value, b.name, f"{_pretty(b.name)} ({b.name}, id {b.value})")
        for b in BoardIds
        if b.value > -100  # NO_BOARD
    ]
    first = {SYNTHETIC_BOARD_ID: 0, PLAYBACK_BOARD_ID: 1, STREAMING_BOARD_ID: 2}
    return sorted(boards, key=lambda c: (first.get(c.board_id, 3), c.label.lower()))


def board_choice(name_or_id: str | int) -> BoardChoice:
    """A board by its BoardIds name (any case), readable label or id; error lists a few."""
    boards = brainflow_boards()
    key = str(name_or_id).strip()
    for c in boards:
        if key.upper() in (c.enum_name, c.enum_name.removesuffix("_BOARD")) or key in (
            c.label,
            str(c.board_id),
        ):
            return c
    raise EmgSourceError(
        f"unknown BrainFlow board {name_or_id!r}; e.g. "
        + ", ".join(c.enum_name for c in boards[:6])
    )


def board_fields(board_id: int) -> BoardFields:
    """The connection fields a board needs (and may take)."""
    from brainflow.board_shim import BoardIds

    try:
        name = BoardIds(board_id).name
    except ValueError:
        return _FALLBACK
    for pattern, fields in FIELD_RULES:
        if re.fullmatch(pattern, name):
            return fields
    return _FALLBACK


@dataclass(frozen=True)
class BoardInfo:
    """What a board delivers, known before connecting."""

    fs_hz: float
    channel_names: tuple[str, ...]

    @property
    def n_channels(self) -> int:
        return len(self.channel_names)


def board_info(board_id: int, master_board: int | None = None) -> BoardInfo:
    """Rate and EMG/ExG channels from BrainFlow's description (the master board's for
    playback and streaming); :class:`EmgSourceError` when it describes none."""
    described = board_id
    if board_id in (PLAYBACK_BOARD_ID, STREAMING_BOARD_ID):
        described = SYNTHETIC_BOARD_ID if master_board is None else master_board
    fs, _rows, names = describe_board(described)
    return BoardInfo(fs, tuple(names))


def sampling_rate_warning(fs_hz: float) -> str | None:
    """Why a rate is too low for facial EMG (None when it is not), in the user's words."""
    if fs_hz >= MIN_FACIAL_EMG_RATE_HZ:
        return None
    nyquist = fs_hz / 2
    return (
        f"{fs_hz:g} Hz is low for facial EMG: only frequencies below {nyquist:g} Hz are "
        f"captured, and facial muscles send power up to {FACIAL_EMG_UPPER_HZ:g} Hz, so the "
        f"band {nyquist:g}–{FACIAL_EMG_UPPER_HZ:g} Hz is lost (higher bands alias into "
        "lower ones). Envelopes read lower and noisier, the band-pass filter is narrowed to "
        "fit, and brief or weak contractions of small facial muscles may be missed. "
        f"Use {MIN_FACIAL_EMG_RATE_HZ:g} Hz or more (1000 Hz is the research standard) "
        "when the device allows it."
    )


@dataclass(frozen=True)
class SerialPortChoice:
    device: str
    description: str = ""
    listed: bool = True  # False: typed by the user, not found by list_ports

    @property
    def label(self) -> str:
        text = self.device + (f" — {self.description}" if self.description else "")
        return text if self.listed else f"{text} (typed)"


def serial_ports(extra: Iterable[str] = ()) -> list[SerialPortChoice]:
    """Serial ports present (pyserial's ``list_ports``), then the user's extra ports."""
    from serial.tools import list_ports

    found = [
        SerialPortChoice(p.device, p.description if p.description != "n/a" else "")
        for p in sorted(list_ports.comports(), key=lambda p: p.device)
    ]
    seen = {p.device for p in found}
    for dev in extra:
        dev = str(dev).strip()
        if dev and dev not in seen:
            found.append(SerialPortChoice(dev, "", listed=False))
            seen.add(dev)
    return found
