"""Board set-ups for facial EMG, as data: ``resources/board_presets/<name>.toml``.

A preset names the BrainFlow boards it is for and the channel settings every channel gets;
:func:`preset_commands` turns it into the board's ``config_board`` commands, which
:class:`~facetrainer.emg.brainflow_source.BrainFlowSource` sends after preparing the
session and before streaming (``--bf-preset facial-emg`` or the Connect dialog). Only the
OpenBCI Cyton family's channel-settings command is known here:
``x<channel><power down><gain code><input type><bias><SRB2><SRB1>X``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from facetrainer.emg.source import EmgSourceError

PRESETS_DIR = Path(__file__).resolve().parent.parent / "resources" / "board_presets"
# ADS1299 gain -> the Cyton SDK's gain code
CYTON_GAIN_CODES = {1: 0, 2: 1, 4: 2, 6: 3, 8: 4, 12: 5, 24: 6}
CYTON_CHANNEL_KEYS = "12345678QWERTYUI"  # channels 1-16 (9-16 on the Daisy)
_FIELDS = {"power_down": (0, 1), "input_type": tuple(range(8)), "bias": (0, 1),
           "srb2": (0, 1), "srb1": (0, 1)}


@dataclass(frozen=True)
class BoardPreset:
    name: str
    description: str
    boards: tuple[str, ...]  # BrainFlow BoardIds names
    channel: dict[str, int]
    path: Path

    def board_ids(self) -> set[int]:
        from brainflow.board_shim import BoardIds

        return {int(BoardIds[b].value) for b in self.boards}


def list_presets() -> list[str]:
    """Names of the ready presets."""
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def load_preset(name: str) -> BoardPreset:
    """Read and check a preset by name (or path); errors name the file and field."""
    path = Path(name) if name.endswith(".toml") else PRESETS_DIR / f"{name}.toml"
    if not path.is_file():
        raise EmgSourceError(
            f"unknown board preset {name!r} (ready presets: {', '.join(list_presets())})")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EmgSourceError(f"{path}: cannot read the preset: {exc}") from exc
    from brainflow.board_shim import BoardIds

    boards = doc.get("boards")
    if not isinstance(boards, list) or not boards:
        raise EmgSourceError(f"{path}: field 'boards' must list BrainFlow board names")
    for b in boards:
        if b not in BoardIds.__members__:
            raise EmgSourceError(f"{path}: field 'boards': unknown BrainFlow board {b!r}")
    channel = doc.get("channel")
    if not isinstance(channel, dict):
        raise EmgSourceError(f"{path}: missing table [channel]")
    gain = channel.get("gain")
    if gain not in CYTON_GAIN_CODES:
        raise EmgSourceError(
            f"{path}: field 'channel.gain' must be one of "
            f"{', '.join(map(str, CYTON_GAIN_CODES))}, got {gain!r}")
    for key, allowed in _FIELDS.items():
        if channel.get(key) not in allowed:
            raise EmgSourceError(
                f"{path}: field 'channel.{key}' must be one of {allowed}, got "
                f"{channel.get(key)!r}")
    return BoardPreset(str(doc.get("name", path.stem)), str(doc.get("description", "")),
                       tuple(boards), {k: int(v) for k, v in channel.items()}, path)


def preset_commands(name: str, board_id: int, n_channels: int) -> list[str]:
    """The ``config_board`` commands that apply preset ``name`` to ``n_channels`` channels.

    Raises :class:`EmgSourceError` when the preset is not for this board.
    """
    preset = load_preset(name)
    if board_id not in preset.board_ids():
        raise EmgSourceError(
            f"board preset {preset.name!r} is for {', '.join(preset.boards)}, not BrainFlow "
            f"board {board_id}")
    if not 1 <= n_channels <= len(CYTON_CHANNEL_KEYS):
        raise EmgSourceError(f"board preset {preset.name!r}: {n_channels} channels")
    c = preset.channel
    settings = (f"{c['power_down']}{CYTON_GAIN_CODES[c['gain']]}{c['input_type']}"
                f"{c['bias']}{c['srb2']}{c['srb1']}")
    return [f"x{CYTON_CHANNEL_KEYS[k]}{settings}X" for k in range(n_channels)]
