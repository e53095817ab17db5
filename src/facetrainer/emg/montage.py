"""Montages: which EMG channel sits on which muscle and side (TOML files, validated on load).

A montage file::

    name = "Smile, both sides (2 channels)"
    description = "..."            # optional

    [channels]
    ch1 = "zygomaticus_major/left"  # channel name = "muscle/side"
    ch2 = "zygomaticus_major/right"

Channel keys are matched to a source's channel names; a key ``chK`` (or ``K``) that names
no channel of the source means the K-th channel (1-based), so the ready montages work
with any device. Ready montages live in ``facetrainer/resources/montages``
(:func:`list_montages`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from facetrainer.anatomy import MUSCLES, SIDES
from facetrainer.config_files import ConfigFileError, read_config_text

READY_MONTAGES_DIR = Path(__file__).resolve().parent.parent / "resources" / "montages"
_POSITIONAL = re.compile(r"^(?:ch)?(\d+)$", re.IGNORECASE)


class MontageError(ValueError):
    """A montage file is missing, unreadable or invalid; the message names file and field."""


@dataclass(frozen=True)
class Placement:
    """One electrode site: a muscle on one side of the face."""

    muscle: str
    side: str

    @property
    def label(self) -> str:
        return f"{self.muscle}/{self.side}"

    @property
    def contralateral(self) -> Placement:
        return Placement(self.muscle, "right" if self.side == "left" else "left")


@dataclass(frozen=True)
class Montage:
    name: str
    channels: dict[str, Placement]  # channel key (as in the file) -> placement
    description: str = ""
    path: Path | None = None

    def placements_for(self, channel_names: Sequence[str]) -> list[Placement | None]:
        """Placement of each of a source's channels (None for channels the montage skips)."""
        out: list[Placement | None] = [None] * len(channel_names)
        index = {n: i for i, n in enumerate(channel_names)}
        for key, placement in self.channels.items():
            if key in index:
                out[index[key]] = placement
                continue
            m = _POSITIONAL.match(key)
            if m and 1 <= int(m.group(1)) <= len(channel_names):
                out[int(m.group(1)) - 1] = placement
        return out

    def contralateral_index(self, channel_names: Sequence[str], channel: int) -> int | None:
        """Index of the channel on the same muscle, other side (the healthy-side reference)."""
        placements = self.placements_for(channel_names)
        p = placements[channel]
        if p is None:
            return None
        other = p.contralateral
        return next((i for i, q in enumerate(placements) if q == other), None)


def parse_placement(text: object, where: str) -> Placement:
    """``"muscle/side"`` → :class:`Placement`; ``where`` names file and field for errors."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise MontageError(
            f'{where}: expected "muscle/side" (e.g. "zygomaticus_major/left"), got {text!r}'
        )
    muscle, side = (part.strip().lower() for part in text.split("/"))
    if muscle not in MUSCLES:
        raise MontageError(f"{where}: unknown muscle {muscle!r} (known: {', '.join(MUSCLES)})")
    if side not in SIDES:
        raise MontageError(f"{where}: side must be left or right, got {side!r}")
    return Placement(muscle, side)


def parse_montage(doc: dict, source: str = "<montage>") -> Montage:
    """Validate a parsed TOML document; ``source`` (file name) appears in every error."""
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise MontageError(f"{source}: field 'name' must be a non-empty string, got {name!r}")
    description = doc.get("description", "")
    if not isinstance(description, str):
        raise MontageError(f"{source}: field 'description' must be a string")
    table = doc.get("channels")
    if not isinstance(table, dict) or not table:
        raise MontageError(
            f'{source}: needs a [channels] table mapping channel names to "muscle/side"'
        )
    channels: dict[str, Placement] = {}
    seen: dict[Placement, str] = {}
    for key, value in table.items():
        placement = parse_placement(value, f"{source}: field 'channels.{key}'")
        if placement in seen:
            raise MontageError(
                f"{source}: field 'channels.{key}': {placement.label} is "
                f"already on channel {seen[placement]!r}"
            )
        seen[placement] = key
        channels[str(key)] = placement
    unknown = set(doc) - {"name", "description", "channels"}
    if unknown:
        raise MontageError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
    return Montage(name.strip(), channels, description)


def load_montage(path_or_name: str | Path) -> Montage:
    """A montage from a file path, or a ready montage by name (e.g. ``"smile_2ch"``)."""
    path = Path(path_or_name)
    if not path.suffix and not path.exists():
        ready = READY_MONTAGES_DIR / f"{path_or_name}.toml"
        if not ready.is_file():
            raise MontageError(
                f"no montage named {str(path_or_name)!r} (ready montages: "
                f"{', '.join(list_montages())})"
            )
        text, source = ready.read_text(encoding="utf-8"), f"{path_or_name}.toml"
    else:
        try:
            raw = read_config_text(path, "montage file")
            text, source = raw.decode("utf-8"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise MontageError(f"{path}: cannot read montage: {exc}") from exc
        except ConfigFileError as exc:
            raise MontageError(str(exc)) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MontageError(f"{source}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise MontageError(f"{source}: not valid TOML: nested too deeply") from None
    montage = parse_montage(doc, source)
    return Montage(
        montage.name, montage.channels, montage.description, path if path.exists() else None
    )


def list_montages() -> list[str]:
    """Names of the ready montages shipped with FaceTrainer."""
    return sorted(p.stem for p in READY_MONTAGES_DIR.glob("*.toml"))
