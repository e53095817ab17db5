"""One activation model for video and EMG: raw signals → comparable activation signals.

Video: a face region per side is read from a face measure (mm). EMG: a muscle per side is
its envelope (µV). Both become ``activation = direction · (value − rest) / reference``,
where *rest* is the calibrated resting value and *reference* the excursion that counts as
100 % (a reference contraction, the default range of ``model/activation.toml``, or for the
eye its resting opening, so that eye activation is the palpebral-fissure narrowing).

Rest is calibrated from the first ``rest_window_s`` seconds of valid data of each
channel (a session starts with the patient relaxed), unless a :class:`Calibration` gives
it. The same streaming code runs live and over a recording, so both give the same numbers.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from facetrainer.exercises.anatomy import MUSCLES, REGIONS, SIDES

REST_WINDOW_S = 2.0


@dataclass(frozen=True)
class RegionModel:
    """How one video region is read: measure name, sign, reference (mm; None = rest)."""

    region: str
    measure: str
    fallback: str | None
    direction: float
    reference_mm: float | None


@dataclass(frozen=True)
class ActivationTable:
    regions: dict[str, RegionModel]
    emg_reference_uv: float


def load_activation_table(path: str | Path | None = None) -> ActivationTable:
    """Read ``resources/exercises/model/activation.toml`` (or ``path``), validated."""
    p = (
        Path(path)
        if path is not None
        else Path(
            str(
                resources.files("facetrainer")
                / "resources"
                / "exercises"
                / "model"
                / "activation.toml"
            )
        )
    )
    try:
        with p.open("rb") as f:
            raw = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{p}: cannot read activation model: {exc}") from exc
    regions: dict[str, RegionModel] = {}
    for name, t in raw.get("regions", {}).items():
        if name not in REGIONS:
            raise ValueError(f"{p}: field 'regions.{name}': unknown region {name!r}")
        ref = t.get("reference_mm")
        if ref == "rest":
            ref_mm = None
        elif isinstance(ref, int | float) and ref > 0:
            ref_mm = float(ref)
        else:
            raise ValueError(
                f"{p}: field 'regions.{name}.reference_mm': must be > 0 or \"rest\", got {ref!r}"
            )
        direction = t.get("direction")
        if direction not in (1, -1):
            raise ValueError(
                f"{p}: field 'regions.{name}.direction': must be 1 or -1, got {direction!r}"
            )
        if not isinstance(t.get("measure"), str):
            raise ValueError(f"{p}: field 'regions.{name}.measure': missing")
        regions[name] = RegionModel(name, t["measure"], t.get("fallback"), float(direction), ref_mm)
    ref_uv = raw.get("emg", {}).get("reference_uv")
    if not isinstance(ref_uv, int | float) or ref_uv <= 0:
        raise ValueError(f"{p}: field 'emg.reference_uv': must be > 0, got {ref_uv!r}")
    return ActivationTable(regions, float(ref_uv))


def video_key(region: str, side: str) -> str:
    return f"video:{region}/{side}"


def emg_key(muscle: str, side: str) -> str:
    return f"emg:{muscle}/{side}"


@dataclass
class ChannelReference:
    """A channel's calibration: resting value and 100 % excursion (same units as raw)."""

    rest: float | None = None
    reference: float | None = None
    source: str = "default"  # "calibrated" | "default" | "rest window"


class CalibrationError(ValueError):
    """A calibration file is unreadable or invalid; the message names file and field."""


@dataclass
class Calibration:
    """Per-channel rest and reference values, keyed ``video:region/side`` or
    ``emg:muscle/side``; stored as JSON ``{"channels": {key: {"rest": .., "reference": ..}}}``.
    """

    channels: dict[str, ChannelReference]

    def to_json(self) -> dict[str, Any]:
        return {"channels": {k: asdict(v) for k, v in self.channels.items()}}

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        p = Path(path)
        try:
            raw = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise CalibrationError(f"{p}: cannot read calibration: {exc}") from exc
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


class StreamNormaliser:
    """Streaming raw → activation for a fixed list of channels.

    Parameters
    ----------
    keys : list of str
        Channel keys (rows of every pushed array).
    directions, default_references : ndarray (n,)
        Sign of an activating change, and the 100 % excursion (NaN = "the rest value").
    calibration : Calibration or None
        Overrides rest and/or reference per key.
    rest_window_s : float
        Length of the rest calibration from each channel's first valid sample.
    """

    def __init__(
        self,
        keys: list[str],
        directions: np.ndarray,
        default_references: np.ndarray,
        calibration: Calibration | None = None,
        rest_window_s: float = REST_WINDOW_S,
    ) -> None:
        self.keys = list(keys)
        n = len(keys)
        self.direction = np.asarray(directions, dtype=float).reshape(n, 1)
        self.reference = np.asarray(default_references, dtype=float).copy()
        self.rest = np.full(n, np.nan)
        self.sources = ["default"] * n
        self._ref_is_rest = np.isnan(self.reference)
        cal = calibration.channels if calibration is not None else {}
        for i, k in enumerate(self.keys):
            c = cal.get(k)
            if c is None:
                continue
            if c.rest is not None:
                self.rest[i] = c.rest
            if c.reference is not None:
                self.reference[i] = c.reference
                self._ref_is_rest[i] = False
            self.sources[i] = "calibrated"
        self.rest_window_s = rest_window_s
        self._start = np.full(n, np.nan)  # first valid time per channel
        self._collected: list[list[np.ndarray]] = [[] for _ in range(n)]

    def push(self, times_s: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Activation (n, k) for raw ``values`` (n, k) at ``times_s`` (k,); NaN while a
        channel's rest is still being calibrated or its value is missing."""
        values = np.asarray(values, dtype=float)
        times_s = np.asarray(times_s, dtype=float)
        for i in np.flatnonzero(np.isnan(self.rest)):
            self._collect_rest(i, times_s, values[i])
        ref = np.where(self._ref_is_rest, np.abs(self.rest), self.reference)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.direction * (values - self.rest[:, None]) / ref[:, None]

    def _collect_rest(self, i: int, times_s: np.ndarray, row: np.ndarray) -> None:
        ok = ~np.isnan(row)
        if not ok.any():
            return
        if np.isnan(self._start[i]):
            self._start[i] = times_s[ok][0]
        end = self._start[i] + self.rest_window_s
        inside = ok & (times_s < end)
        if inside.any():
            self._collected[i].append(row[inside])
        if (times_s[ok] >= end).any():
            vals = np.concatenate(self._collected[i]) if self._collected[i] else row[ok][:1]
            self.rest[i] = float(np.median(vals))
            self._collected[i] = []
            if self.sources[i] == "default":
                self.sources[i] = "rest window"

    @property
    def calibrated(self) -> np.ndarray:
        """Per channel: True once its rest value is known."""
        return ~np.isnan(self.rest)

    def calibration(self) -> Calibration:
        """The rest/reference values in use (to save and reuse in a later session)."""
        ref = np.where(self._ref_is_rest, np.abs(self.rest), self.reference)
        return Calibration(
            {
                k: ChannelReference(
                    None if np.isnan(self.rest[i]) else float(self.rest[i]),
                    None if np.isnan(ref[i]) else float(ref[i]),
                    self.sources[i],
                )
                for i, k in enumerate(self.keys)
            }
        )


def video_normaliser(
    table: ActivationTable,
    calibration: Calibration | None = None,
    rest_window_s: float = REST_WINDOW_S,
) -> StreamNormaliser:
    """The normaliser for every region the table can read from video, both sides."""
    keys, dirs, refs = [], [], []
    for region, m in table.regions.items():
        for side in SIDES:
            keys.append(video_key(region, side))
            dirs.append(m.direction)
            refs.append(np.nan if m.reference_mm is None else m.reference_mm)
    return StreamNormaliser(keys, np.array(dirs), np.array(refs), calibration, rest_window_s)


def read_region_values(measures: Any, table: ActivationTable) -> np.ndarray:
    """Raw video values (mm), ordered as :func:`video_normaliser`'s keys; NaN when the
    measure is missing or the frame was rejected (e.g. head turned too far).

    ``measures`` is the face stage's result (``.metrics[name]["left"|"right"]``,
    ``.rejected``), a plain ``{"metrics": ..., "rejected": ...}`` dict, or None (no face).
    """
    n = 2 * len(table.regions)
    out = np.full(n, np.nan)
    if measures is None:
        return out
    if isinstance(measures, dict):
        metrics, rejected = measures.get("metrics", {}), measures.get("rejected", False)
    else:
        metrics, rejected = getattr(measures, "metrics", {}), getattr(measures, "rejected", False)
    if rejected:
        return out
    i = 0
    for m in table.regions.values():
        per_side = metrics.get(m.measure)
        if per_side is None and m.fallback:
            per_side = metrics.get(m.fallback)
        for side in SIDES:
            v = None if per_side is None else per_side.get(side)
            if v is not None and np.isfinite(v):
                out[i] = float(v)
            i += 1
    return out
