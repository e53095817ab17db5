"""Calibration of activation signals: each channel's rest and reference, as JSON.

Channel keys are ``video:region/side`` or ``emg:muscle/side``. A calibration file is made
from a reference set (``facetrainer score --save-calibration``) and supplies references for
later sets (``--calibration``); live, rest is measured at the start of each set, while
``score`` uses a calibration's rest when it has one (``rest_source`` says which was used).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from facetrainer.exercises.anatomy import MUSCLES, REGIONS, SIDES


def video_key(region: str, side: str) -> str:
    return f"video:{region}/{side}"


def emg_key(muscle: str, side: str) -> str:
    return f"emg:{muscle}/{side}"


@dataclass
class ChannelReference:
    """A channel's calibration: resting value and 100 % excursion (same units as raw)."""

    rest: float | None = None
    reference: float | None = None
    source: str = "default reference"  # or "calibrated", "reference set", "live EMG reference",
    # "set robust maximum"
    rest_source: str = "rest window"  # or "calibration", "quiet stretch"


class CalibrationError(ValueError):
    """A calibration file is unreadable or invalid; the message names file and field."""


@dataclass
class Calibration:
    """Per-channel rest and reference values, keyed ``video:region/side`` or
    ``emg:muscle/side``; stored as JSON ``{"channels": {key: {"rest": .., "reference": ..}}}``.
    """

    channels: dict[str, ChannelReference]

    def merged(self, other: Calibration) -> Calibration:
        """Both calibrations' channels; where both have a channel, the larger reference
        (reference sets of different exercises each calibrate their own targets)."""
        out = dict(self.channels)
        for k, c in other.channels.items():
            mine = out.get(k)
            if mine is None or (c.reference or 0.0) > (mine.reference or 0.0):
                out[k] = c
        return Calibration(out)

    def to_json(self) -> dict[str, Any]:
        return {"channels": {k: asdict(v) for k, v in self.channels.items()}}

    def save(self, path: str | Path) -> None:
        """Write the calibration JSON whole or not at all (an earlier file survives a failure)."""
        from facetrainer.atomic_files import write_text_atomic

        write_text_atomic(path, json.dumps(self.to_json(), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        from facetrainer.config_files import ConfigFileError, parse_json, read_config_text

        p = Path(path)
        try:
            raw = parse_json(read_config_text(p, "calibration file"), f"calibration file {p}")
        except OSError as exc:
            raise CalibrationError(f"{p}: cannot read calibration: {exc}") from exc
        except ConfigFileError as exc:
            raise CalibrationError(str(exc)) from None
        chans = raw.get("channels") if isinstance(raw, dict) else None
        if not isinstance(chans, dict):
            raise CalibrationError(f"{p}: field 'channels': missing or not an object")
        out: dict[str, ChannelReference] = {}
        for key, v in chans.items():
            _check_key(key, p)
            if not isinstance(v, dict):
                raise CalibrationError(f"{p}: field 'channels.{key}': must be an object")
            rest, ref = v.get("rest"), v.get("reference")
            for name, val in (("rest", rest), ("reference", ref)):
                if val is not None and (isinstance(val, bool) or not isinstance(val, int | float)):
                    raise CalibrationError(
                        f"{p}: field 'channels.{key}.{name}': must be a number, got {val!r}"
                    )
            if ref is not None and ref <= 0:
                raise CalibrationError(
                    f"{p}: field 'channels.{key}.reference': must be > 0, got {ref!r}"
                )
            out[key] = ChannelReference(rest, ref, "calibrated")
        return cls(out)


def _check_key(key: str, where: Path) -> None:
    try:
        modality, rest = key.split(":", 1)
        name, side = rest.split("/", 1)
    except ValueError:
        raise CalibrationError(
            f"{where}: field 'channels.{key}': keys look like "
            "'video:eye/left' or 'emg:frontalis/right'"
        ) from None
    known = REGIONS if modality == "video" else MUSCLES if modality == "emg" else ()
    if name not in known or side not in SIDES:
        raise CalibrationError(f"{where}: field 'channels.{key}': unknown channel")
