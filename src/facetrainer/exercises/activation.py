"""One activation model for video and EMG: raw signals → comparable activation signals.

Video: a face region per side is read from its landmarks (movement relative to the inner
eye corners in the face's axes, mm) or from a face measure (mm); see
``resources/exercises/model/activation.toml``. EMG: a muscle per side is its envelope (µV).
Both become ``activation = direction · (value − rest) / reference``: *rest* is the channel's
median over the first ``rest_window_s`` seconds of valid data (a set usually starts
relaxed; live, ``adapt_rest`` moves it to a clearly quieter stretch found later; offline,
:mod:`facetrainer.exercises.quiet_rest` finds it anywhere in the recording), the
*reference* the excursion that counts as 100 % (a calibration, the table's default range, or
for the eye its own resting opening, so that eye activation is the clinical PFN). The same
streaming code runs live and over a recording, so both give the same numbers.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from facetrainer.exercises.anatomy import REGIONS, SIDES
from facetrainer.exercises.calibration import (  # noqa: F401 - re-exported
    Calibration,
    CalibrationError,
    ChannelReference,
    emg_key,
    video_key,
)
from facetrainer.exercises.quiet_rest import START_REST_TOLERANCE, LiveQuietRest

REST_WINDOW_S = 2.0
QUIET_CHECK_S = 0.5  # live: how often a clearly quieter stretch is looked for


@dataclass(frozen=True)
class RegionModel:
    """How one video region is read (see ``model/activation.toml``).

    ``landmarks`` (side → point indices) with ``out_weight``/``up_weight``, and/or a
    ``measure`` (with ``fallback``) and ``direction``; ``reference_mm`` None means "the
    healthy (wider) side's rest value".
    """

    region: str
    measure: str | None
    fallback: str | None
    direction: float
    reference_mm: float | None
    landmarks: dict[str, tuple[int, ...]] | None = None
    out_weight: float = 0.0
    up_weight: float = 0.0
    healthy_rest: bool = False  # with reference_mm None: the wider side's rest, not its own
    anchor: tuple[int, ...] = (133, 362)  # landmarks the movement is measured against


@dataclass(frozen=True)
class ActivationTable:
    regions: dict[str, RegionModel]
    emg_reference_uv: float


def _region_model(name: str, t: dict[str, Any], p: Path) -> RegionModel:
    where = f"{p}: field 'regions.{name}"
    ref = t.get("reference_mm")
    if ref in ("rest", "healthy rest"):
        ref_mm = None
    elif isinstance(ref, int | float) and not isinstance(ref, bool) and ref > 0:
        ref_mm = float(ref)
    else:
        raise ValueError(f'{where}.reference_mm\': must be > 0 or "healthy rest", got {ref!r}')
    lm = t.get("landmarks")
    landmarks = None
    if lm is not None:
        if (
            not isinstance(lm, dict)
            or set(lm) != set(SIDES)
            or not all(
                isinstance(v, list) and v and all(isinstance(i, int) and 0 <= i < 478 for i in v)
                for v in lm.values()
            )
        ):
            raise ValueError(
                f"{where}.landmarks': must be {{ left = [...], right = [...] }} "
                f"of point indices 0-477, got {lm!r}"
            )
        landmarks = {s: tuple(lm[s]) for s in SIDES}
    measure = t.get("measure")
    if measure is not None and not isinstance(measure, str):
        raise ValueError(f"{where}.measure': must be a measure name, got {measure!r}")
    if measure is None and landmarks is None:
        raise ValueError(f"{where}': needs landmarks or a measure")
    direction = t.get("direction", 1)
    if direction not in (1, -1):
        raise ValueError(f"{where}.direction': must be 1 or -1, got {direction!r}")
    anchor = t.get("anchor", [133, 362])
    if (
        not isinstance(anchor, list)
        or not anchor
        or not all(isinstance(i, int) and 0 <= i < 478 for i in anchor)
    ):
        raise ValueError(f"{where}.anchor': must be a list of point indices 0-477, got {anchor!r}")
    weights = []
    for key in ("out_weight", "up_weight"):
        w = t.get(key, 0.0)
        if isinstance(w, bool) or not isinstance(w, int | float):
            raise ValueError(f"{where}.{key}': must be a number, got {w!r}")
        weights.append(float(w))
    return RegionModel(
        region=name,
        measure=measure,
        fallback=t.get("fallback"),
        direction=float(direction),
        reference_mm=ref_mm,
        landmarks=landmarks,
        out_weight=weights[0],
        up_weight=weights[1],
        healthy_rest=ref == "healthy rest",
        anchor=tuple(anchor),
    )


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
        regions[name] = _region_model(name, t, p)
    ref_uv = raw.get("emg", {}).get("reference_uv")
    if not isinstance(ref_uv, int | float) or ref_uv <= 0:
        raise ValueError(f"{p}: field 'emg.reference_uv': must be > 0, got {ref_uv!r}")
    return ActivationTable(regions, float(ref_uv))


class StreamNormaliser:
    """Streaming raw → activation for a fixed list of channels.

    Parameters
    ----------
    keys : list of str
        Channel keys (rows of every pushed array).
    directions, default_references : ndarray (n,)
        Sign of an activating change, and the 100 % excursion (NaN = "the healthy rest
        value": the larger |rest| of the channel and its ``partner``).
    calibration : Calibration or None
        Supplies the reference per key (rest is this set's own rest window; the offline
        scorer may set a calibrated or quiet-stretch rest with :meth:`set_rest`).
    rest_window_s : float
        Length of the rest calibration from each channel's first valid sample.
    adapt_rest : bool
        Live: when a later ``QUIET_WINDOW_S`` stretch is clearly less activated than the
        rest window was (the set started mid-movement), rest moves there (checked every
        ``QUIET_CHECK_S``; the activations already given are not revised).
    """

    def __init__(
        self,
        keys: list[str],
        directions: np.ndarray,
        default_references: np.ndarray,
        calibration: Calibration | None = None,
        rest_window_s: float = REST_WINDOW_S,
        partners: np.ndarray | None = None,
        adapt_rest: bool = False,
    ) -> None:
        self.keys = list(keys)
        n = len(keys)
        self.partner = np.full(n, -1) if partners is None else np.asarray(partners, dtype=int)
        self.direction = np.asarray(directions, dtype=float).reshape(n, 1)
        self.reference = np.asarray(default_references, dtype=float).copy()
        self.rest = np.full(n, np.nan)
        self.sources = ["default reference"] * n
        self.rest_sources = ["rest window"] * n
        self._ref_is_rest = np.isnan(self.reference)
        cal = calibration.channels if calibration is not None else {}
        for i, k in enumerate(self.keys):
            c = cal.get(k)
            if c is None:
                continue
            # A calibration's rest is used as it is (the set need not start quiet: issue
            # "real faces"); without one, rest is measured at the start of the set (and, live,
            # moved to a quieter stretch found later).
            if c.rest is not None and np.isfinite(c.rest):
                self.rest[i] = float(c.rest)
                self.rest_sources[i] = "calibration"
            if c.reference is not None:
                self.reference[i] = c.reference
                self._ref_is_rest[i] = False
            self.sources[i] = "calibrated"
        self.rest_window_s = rest_window_s
        # Live: move rest to a clearly quieter stretch later in the set (see _check_quiet).
        self.adapt_rest = adapt_rest
        self._next_check = -np.inf
        self._quiet = LiveQuietRest()
        self._start = np.full(n, np.nan)  # first valid time per channel
        self.record = False  # keep raw data for reference_calibration()
        self._recorded: list[tuple[np.ndarray, np.ndarray]] = []
        self._collected: list[list[np.ndarray]] = [[] for _ in range(n)]

    def push(self, times_s: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Activation (n, k) for raw ``values`` (n, k) at ``times_s`` (k,); NaN while a
        channel's rest is still being calibrated or its value is missing.

        With ``adapt_rest`` the data are split at the quiet-stretch checks (every
        ``QUIET_CHECK_S`` on the absolute time grid), so any chunking gives the same output.
        """
        values = np.asarray(values, dtype=float)
        times_s = np.asarray(times_s, dtype=float)
        if self.record:
            self._recorded.append((times_s.copy(), values.copy()))
        if not self.adapt_rest or times_s.size == 0:
            return self._activation(times_s, values)
        if times_s[-1] < self._next_check:  # the common case: no check inside this push
            act = self._activation(times_s, values)
            self._observe(times_s, values)
            return act
        out = np.empty_like(values)
        i = 0
        while i < times_s.size:
            if times_s[i] >= self._next_check:
                self._check_quiet(self._next_check)
                self._next_check = (np.floor(times_s[i] / QUIET_CHECK_S) + 1) * QUIET_CHECK_S
            j = i + int(np.searchsorted(times_s[i:], self._next_check, side="left"))
            j = max(j, i + 1)
            out[:, i:j] = self._activation(times_s[i:j], values[:, i:j])
            self._observe(times_s[i:j], values[:, i:j])
            i = j
        return out

    def _observe(self, times_s: np.ndarray, values: np.ndarray) -> None:
        self._quiet.observe(times_s, values)

    def _check_quiet(self, t_check: float) -> None:
        """Live quiet-stretch rest: when the last ``QUIET_WINDOW_S`` before ``t_check`` lies
        clearly below a channel's rest (by more than ``START_REST_TOLERANCE`` of its
        reference; "below" = less activated), the set did not start at rest for that
        channel: its rest moves to that stretch's median (``rest_sources`` "quiet stretch").
        A calibrated rest is kept."""
        tol = START_REST_TOLERANCE * np.where(
            self._ref_is_rest, np.abs(self.rest), self._references()
        )
        quieter = self._quiet.quieter_rest(t_check, self.direction[:, 0], self.rest, tol)
        for i in np.flatnonzero(np.isfinite(quieter)):
            if self.rest_sources[i] != "calibration":
                self.rest[i] = float(quieter[i])
                self.rest_sources[i] = "quiet stretch"

    def _activation(self, times_s: np.ndarray, values: np.ndarray) -> np.ndarray:
        for i in np.flatnonzero(np.isnan(self.rest)):
            self._collect_rest(i, times_s, values[i])
        ref = self._references()
        with np.errstate(invalid="ignore", divide="ignore"):
            act = self.direction * (values - self.rest[:, None]) / ref[:, None]
        # The rest window itself reads as "calibrating", however the data were chunked.
        inside = times_s[None, :] < (self._start + self.rest_window_s)[:, None]
        act[inside] = np.nan
        return act

    def _references(self) -> np.ndarray:
        rest = np.abs(self.rest)
        partner = np.where(self.partner >= 0, rest[np.maximum(self.partner, 0)], np.nan)
        healthy = np.fmax(rest, partner)  # NaN only when both are unknown
        return np.where(self._ref_is_rest, healthy, self.reference)

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

    def reference_calibration(self, hold_s: float = 0.5) -> Calibration:
        """Treat the recorded data as a reference set: each channel's reference becomes its
        best ``hold_s`` mean excursion from rest (needs ``record = True`` before pushing).

        This is how a calibration file is made: the patient performs the exercises at a
        comfortable maximum (or the healthy side does), and later sets are scored in % of it.
        """
        from facetrainer.emg.reference import measure_reference_uv

        if not self._recorded:
            raise ValueError("no data recorded: set record = True before pushing data")
        t = np.concatenate([r[0] for r in self._recorded])
        v = np.concatenate([r[1] for r in self._recorded], axis=1)
        rate = (t.size - 1) / (t[-1] - t[0]) if t.size > 1 and t[-1] > t[0] else 1.0
        out = {}
        for i, k in enumerate(self.keys):
            if np.isnan(self.rest[i]) or not np.isfinite(v[i]).any():
                continue
            excursion = self.direction[i, 0] * (v[i] - self.rest[i])
            ref = measure_reference_uv(excursion, rate, hold_s)
            if ref > 0:
                out[k] = ChannelReference(float(self.rest[i]), float(ref), "reference set")
        return Calibration(out)

    def set_rest(self, i: int, value: float, source: str) -> None:
        """Use ``value`` as channel ``i``'s rest from the first sample on (no rest window),
        e.g. a calibration's rest or a recording's quietest stretch; ``source`` says which."""
        self.rest[i] = float(value)
        self._start[i] = -np.inf
        self._collected[i] = []
        self.rest_sources[i] = source

    def set_reference(self, i: int, value: float, source: str) -> None:
        """Use ``value`` (> 0) as channel ``i``'s 100 % excursion; ``source`` says why."""
        if not value > 0:
            raise ValueError(f"reference of {self.keys[i]} must be > 0, got {value!r}")
        self.reference[i] = float(value)
        self._ref_is_rest[i] = False
        self.sources[i] = source

    def reference_is_rest(self, i: int) -> bool:
        """Channel ``i``'s 100 % is its own (or the healthy side's) rest value (the eye)."""
        return bool(self._ref_is_rest[i])

    @property
    def calibrated(self) -> np.ndarray:
        """Per channel: True once its rest value is known."""
        return ~np.isnan(self.rest)

    def calibration(self) -> Calibration:
        """The rest/reference values in use (to save and reuse in a later session)."""
        ref = self._references()
        return Calibration(
            {
                k: ChannelReference(
                    None if np.isnan(self.rest[i]) else float(self.rest[i]),
                    None if np.isnan(ref[i]) else float(ref[i]),
                    self.sources[i],
                    self.rest_sources[i],
                )
                for i, k in enumerate(self.keys)
            }
        )


def video_normaliser(
    table: ActivationTable,
    calibration: Calibration | None = None,
    rest_window_s: float = REST_WINDOW_S,
    adapt_rest: bool = False,
) -> StreamNormaliser:
    """The normaliser for every region the table can read from video, both sides."""
    keys, dirs, refs = [], [], []
    for region, m in table.regions.items():
        for side in SIDES:
            keys.append(video_key(region, side))
            dirs.append(m.direction)
            refs.append(np.nan if m.reference_mm is None else m.reference_mm)
    # left ↔ right of the same region, for "healthy rest" references only
    healthy = np.repeat([m.healthy_rest for m in table.regions.values()], 2)
    partners = np.where(healthy, np.arange(len(keys)) ^ 1, -1)
    return StreamNormaliser(
        keys, np.array(dirs), np.array(refs), calibration, rest_window_s, partners, adapt_rest
    )


def _landmark_values(m: RegionModel, xy: np.ndarray, midline: Any, scale: float) -> list[float]:
    """Per side: out_weight·outward + up_weight·upward mm of the region's points,
    relative to the region's anchor points, in the face's axes."""
    assert m.landmarks is not None
    anchor = xy[list(m.anchor)].mean(axis=0)
    normal = np.asarray(midline.normal, dtype=float)  # towards the subject's left
    down = np.asarray(midline.direction, dtype=float)
    out = []
    for side in SIDES:
        r = xy[list(m.landmarks[side])].mean(axis=0) - anchor
        outward = float(r @ normal) * (1.0 if side == "left" else -1.0)
        upward = -float(r @ down)
        # The weights carry the sign of an activating movement; ``direction`` (which the
        # normaliser applies, for the fallback measure) is undone here.
        out.append(m.direction * scale * (m.out_weight * outward + m.up_weight * upward))
    return out


def read_region_values(
    measures: Any,
    table: ActivationTable,
    face_xy: np.ndarray | None = None,
    midline: Any = None,
    landmark_scale: float | None = None,
) -> np.ndarray:
    """Raw video values (mm), ordered as :func:`video_normaliser`'s keys; NaN when the
    value is missing or the frame was rejected (e.g. head turned too far).

    ``measures`` is the face stage's result (``.metrics[name]["left"|"right"]``,
    ``.rejected``, ``.scale_mm_per_px``), a plain dict with those keys, or None (no face).
    ``face_xy`` (478, 2) and ``midline`` (the frame's landmarks and fitted midline) enable
    the landmark-based regions; without them a region falls back to its measure.
    ``landmark_scale`` (mm/px) replaces the frame's own scale for them: landmarks lie 50-70 mm
    from the anchor, so a 1 % drift of the per-frame iris scale would read as a 0.7 mm move.
    """
    n = 2 * len(table.regions)
    out = np.full(n, np.nan)
    if measures is None:
        return out
    if isinstance(measures, dict):
        metrics = measures.get("metrics", {})
        rejected = measures.get("rejected", False)
        scale = measures.get("scale_mm_per_px")
    else:
        metrics = getattr(measures, "metrics", {})
        rejected = getattr(measures, "rejected", False)
        scale = getattr(measures, "scale_mm_per_px", None)
    if rejected:
        return out
    if landmark_scale is not None:
        scale = landmark_scale
    use_landmarks = face_xy is not None and midline is not None and scale is not None
    i = 0
    for m in table.regions.values():
        if m.landmarks is not None and use_landmarks:
            out[i : i + 2] = _landmark_values(m, np.asarray(face_xy), midline, float(scale or 0))
            i += 2
            continue
        per_side = metrics.get(m.measure) if m.measure else None
        if per_side is None and m.fallback:
            per_side = metrics.get(m.fallback)
        for side in SIDES:
            v = None if per_side is None else per_side.get(side)
            if v is not None and np.isfinite(v):
                out[i] = float(v)
            i += 1
    return out
