"""Wires raw inputs to the engine: face measures and/or EMG envelopes → activation → ticks.

:class:`ExerciseScorer` is what both the live session and the ``score`` command use, so
a recording scored live and offline goes through exactly the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from facetrainer.exercises.activation import (
    REST_WINDOW_S,
    ActivationTable,
    Calibration,
    StreamNormaliser,
    emg_key,
    load_activation_table,
    read_region_values,
    video_key,
    video_normaliser,
)
from facetrainer.exercises.anatomy import MUSCLES, SIDES, signal_of_muscle, signal_of_region
from facetrainer.exercises.engine import ExerciseEngine, SignalPlan
from facetrainer.exercises.events import FeedbackEvent
from facetrainer.exercises.fusion import TICK_S, BlockAverager, TickMixer
from facetrainer.exercises.library import Exercise, Thresholds

VIDEO_STALE_S = 0.3  # no frame with a face for this long: the video signal is missing
EMG_STALE_S = 0.1


class NoSignalError(ValueError):
    """No available modality measures the exercise's target; the message says what is
    available."""


def _unique(xs: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(xs))


def parse_channel_label(label: str) -> tuple[str, str] | None:
    """``"zygomaticus_major/left"`` → (muscle, side); None for an unmapped channel."""
    if not label or "/" not in label:
        return None
    muscle, side = label.split("/", 1)
    if muscle not in MUSCLES or side not in SIDES:
        return None
    return muscle, side


def plan_signals(
    exercise: Exercise, video_regions: Iterable[str] | None, emg_channels: list[str] | None
) -> SignalPlan:
    """Decide the engine channels for an exercise given what video and EMG can measure.

    Raises :class:`NoSignalError` when neither covers any target.
    """
    targets = _unique(
        [signal_of_region(r) for r in exercise.target_regions]
        + [signal_of_muscle(m) for m in exercise.target_muscles]
    )
    watch = [
        w
        for w in _unique(
            [signal_of_region(r) for r in exercise.watch_regions]
            + [signal_of_muscle(m) for m in exercise.watch_muscles]
        )
        if w not in targets
    ]
    covered: dict[str, set[str]] = {}
    if video_regions is not None:
        covered["video"] = set(video_regions)
    if emg_channels is not None:
        covered["emg"] = {
            signal_of_muscle(p[0])
            for c in emg_channels
            if (p := parse_channel_label(c)) is not None
        }
    modalities = tuple(
        m for m in ("video", "emg") if m in covered and any(t in covered[m] for t in targets)
    )
    if not modalities:
        have = "; ".join(f"{m}: {', '.join(sorted(c)) or 'nothing'}" for m, c in covered.items())
        raise NoSignalError(
            f"no input measures the target of {exercise.id!r} "
            f"({', '.join(targets)}); available: {have or 'no input'}"
        )
    measured = set().union(*(covered[m] for m in modalities)) if modalities else set()
    all_signals = [s for s in targets + watch if s in measured]
    not_measured = tuple(s for s in targets + watch if s not in measured)
    channels = tuple((s, side) for s in all_signals for side in SIDES)
    return SignalPlan(
        channels,
        tuple(t for t in targets if t in measured),
        tuple(w for w in watch if w in measured),
        modalities,
        not_measured,
    )


class ExerciseScorer:
    """Raw inputs in, engine events out.

    Parameters
    ----------
    exercise : Exercise
    video : bool
        Face measures will be pushed (:meth:`push_video`).
    emg_channels : list of str or None
        One ``muscle/side`` label per envelope row pushed to :meth:`push_emg` (other
        labels, e.g. unmapped channels, are ignored). None: no EMG.
    affected_side, thresholds, cued : see :class:`ExerciseEngine`.
    calibration : Calibration or None
        Rest/reference per channel; missing entries use the rest window and defaults.
    rest : {"start", "quiet"}
        ``"start"`` (live): each channel's rest is the median of its first
        ``rest_window_s``, moved later to any 0.5 s stretch that is clearly less activated
        (the set started mid-movement; see ``StreamNormaliser.adapt_rest``). ``"quiet"`` (a complete recording): data are buffered and, at
        :meth:`finish`, each channel's rest is its calibrated rest when the calibration
        has one, otherwise its least activated stretch
        (:func:`~facetrainer.exercises.quiet_rest.find_quiet_rest`); then the whole
        recording is scored from its first sample, so a clip that starts within a
        fraction of a second of the movement keeps its rep.
    reference : {"default", "set"}
        With ``"set"`` (only with ``rest="quiet"``) a target channel without a calibrated
        reference takes the set's robust maximum excursion as 100 % (when it is at least
        a quarter of the table's default, so that a still face stays still), instead of
        the table's millimetre default that suits one face.
    """

    def __init__(
        self,
        exercise: Exercise,
        *,
        video: bool = True,
        emg_channels: list[str] | None = None,
        affected_side: str | None = None,
        thresholds: Thresholds | None = None,
        calibration: Calibration | None = None,
        cued: bool = False,
        rest_window_s: float = REST_WINDOW_S,
        table: ActivationTable | None = None,
        tick_s: float = TICK_S,
        rest: str = "start",
        reference: str = "default",
    ) -> None:
        if rest not in ("start", "quiet"):
            raise ValueError(f"rest must be 'start' or 'quiet', got {rest!r}")
        if reference not in ("default", "set") or (reference == "set" and rest != "quiet"):
            raise ValueError(
                f"reference must be 'default', or 'set' with rest='quiet', got {reference!r}"
            )
        self.rest_mode, self.reference_mode = rest, reference
        self._calibration = calibration
        self._buffer: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"video": [], "emg": []}
        self.rest_notes: list[str] = []
        self._n_frames = 0
        self._n_measured = 0
        self._video_span = (np.inf, -np.inf)
        self.table = table or load_activation_table()
        self.rest_window_s = rest_window_s
        self._scales: list[float] = []
        self._scale_t0: float | None = None
        self._frozen_scale: float | None = None
        self.plan = plan_signals(
            exercise, list(self.table.regions) if video else None, emg_channels
        )
        self.engine = ExerciseEngine(
            exercise,
            self.plan,
            affected_side=affected_side,
            thresholds=thresholds,
            cued=cued,
            tick_s=tick_s,
        )
        rows: dict[str, np.ndarray] = {}
        stale: dict[str, float] = {}
        self.video_norm: StreamNormaliser | None = None
        self.emg_norm: StreamNormaliser | None = None
        if "video" in self.plan.modalities:
            self.video_norm = video_normaliser(
                self.table, calibration, rest_window_s, adapt_rest=rest == "start"
            )
            index = {k: i for i, k in enumerate(self.video_norm.keys)}
            rows["video"] = np.array(
                [index.get(video_key(s, side), -1) for s, side in self.plan.channels]
            )
            stale["video"] = VIDEO_STALE_S
        if "emg" in self.plan.modalities and emg_channels is not None:
            self._emg_rows = []
            keys: list[str] = []
            for i, label in enumerate(emg_channels):
                p = parse_channel_label(label)
                if p is not None and emg_key(*p) not in keys:
                    self._emg_rows.append(i)
                    keys.append(emg_key(*p))
            n = len(keys)
            self.emg_norm = StreamNormaliser(
                keys,
                np.ones(n),
                np.full(n, self.table.emg_reference_uv),
                calibration,
                rest_window_s,
                adapt_rest=rest == "start",
            )
            self._averager = BlockAverager(n, tick_s)
            by_signal: dict[tuple[str, str], int] = {}
            for i, k in enumerate(keys):
                muscle, side = k.split(":", 1)[1].split("/")
                by_signal.setdefault((signal_of_muscle(muscle), side), i)
            rows["emg"] = np.array([by_signal.get(c, -1) for c in self.plan.channels])
            stale["emg"] = EMG_STALE_S
        self.mixer = TickMixer(len(self.plan.channels), rows, stale, tick_s)

    def _landmark_scale(self, t_s: float, measures: Any) -> float | None:
        """The iris scale frozen at the median of the rest window's frames (so that a
        drifting per-frame scale does not move the landmark regions), running until then."""
        if self._frozen_scale is not None:
            return self._frozen_scale
        scale = getattr(measures, "scale_mm_per_px", None)
        if isinstance(measures, dict):
            scale = measures.get("scale_mm_per_px")
        if scale is not None and np.isfinite(scale) and scale > 0:
            if self._scale_t0 is None:
                self._scale_t0 = t_s
            self._scales.append(float(scale))
        if not self._scales:
            return None
        median = float(np.median(self._scales))
        if self._scale_t0 is not None and t_s - self._scale_t0 >= self.rest_window_s:
            self._frozen_scale = median
        return median

    @property
    def modalities(self) -> list[str]:
        return list(self.plan.modalities)

    def _run(self, ticks: list) -> list[FeedbackEvent]:
        out: list[FeedbackEvent] = []
        for tick in ticks:
            out.extend(self.engine.step(tick))
        return out

    def push_video(
        self, t_s: float, measures: Any, face_xy: np.ndarray | None = None, midline: Any = None
    ) -> list[FeedbackEvent]:
        """One processed frame: its face measures (None when no face was found), and its
        landmarks (478, 2) px and midline for the landmark-based regions."""
        if self.video_norm is None:
            return []
        raw = read_region_values(
            measures, self.table, face_xy, midline, self._landmark_scale(t_s, measures)
        )
        self._n_frames += 1
        self._n_measured += int(np.isfinite(raw).any())
        self._video_span = (min(self._video_span[0], t_s), max(self._video_span[1], t_s))
        if self.rest_mode == "quiet":
            self._buffer["video"].append((np.array([t_s]), raw[:, None]))
            return []
        act = self.video_norm.push(np.array([t_s]), raw[:, None])
        return self._run(self.mixer.push("video", np.array([t_s]), act))

    def push_emg(self, times_s: np.ndarray, envelope: np.ndarray) -> list[FeedbackEvent]:
        """EMG envelopes (n_channels, k) µV at ``times_s`` (k,), rows as ``emg_channels``."""
        if self.emg_norm is None:
            return []
        t, means = self._averager.push(np.asarray(times_s), np.asarray(envelope)[self._emg_rows])
        if t.size == 0:
            return []
        if self.rest_mode == "quiet":
            self._buffer["emg"].append((t, means))
            return []
        act = self.emg_norm.push(t, means)
        return self._run(self.mixer.push("emg", t, act))

    def end(self, modality: str) -> list[FeedbackEvent]:
        """A modality ended (file over, source stopped); the others carry on."""
        if modality not in self.mixer.rows:
            return []
        if modality == "emg" and self.emg_norm is not None:
            t, means = self._averager.flush()
            if t.size and self.rest_mode == "quiet":
                self._buffer["emg"].append((t, means))
            elif t.size:
                self.mixer.push("emg", t, self.emg_norm.push(t, means))
        if self.rest_mode == "quiet":
            return []  # replayed at finish(), once rest is known
        return self._run(self.mixer.end(modality))

    def _replay(self) -> list[FeedbackEvent]:
        """``rest="quiet"``: fix every channel's rest (and reference) from the buffered
        recording, then run it through the normalisers, the mixer and the engine."""
        out: list[FeedbackEvent] = []
        for modality, norm in (("emg", self.emg_norm), ("video", self.video_norm)):
            chunks = self._buffer[modality]
            if norm is None or not chunks:
                continue
            t = np.concatenate([c[0] for c in chunks])
            v = np.concatenate([c[1] for c in chunks], axis=1)
            self._fix_rest_and_reference(modality, norm, t, v)
            out.extend(self._run(self.mixer.push(modality, t, norm.push(t, v))))
            out.extend(self._run(self.mixer.end(modality)))
            self._buffer[modality] = []
        return out

    def _fix_rest_and_reference(
        self, modality: str, norm: StreamNormaliser, t: np.ndarray, v: np.ndarray
    ) -> None:
        from facetrainer.exercises.quiet_rest import fix_rest_and_reference

        targets = {
            int(r)
            for j, r in enumerate(self.mixer.rows[modality])
            if r >= 0 and self.plan.channels[j][0] in self.plan.targets
        }
        self.rest_notes += fix_rest_and_reference(
            norm,
            t,
            v,
            targets,
            self._calibration,
            set_reference=self.reference_mode == "set",
            rest_window_s=self.rest_window_s,
        )

    def finish(self) -> list[FeedbackEvent]:
        """All data given: emit the remaining ticks and complete the set."""
        out = []
        if self.rest_mode == "quiet":
            out.extend(self._replay())
        for m in list(self.mixer.rows):
            out.extend(self.end(m))
        out.extend(self._run(self.mixer.finish()))
        out.extend(self.engine.finish())
        return out

    def video_problems(self) -> list[str]:
        """What made the pushed video hard to score (few frames with a face, too short);
        see :mod:`facetrainer.exercises.recording_problems`."""
        from facetrainer.exercises.recording_problems import video_problems

        t0, t1 = self._video_span
        n = self._n_frames
        duration = float(t1 - t0) * n / (n - 1) if n > 1 else 0.0  # + one frame period
        return video_problems(
            self._n_frames, self._n_measured, duration, self.engine.detector.s.min_rep_s
        )

    def rest_and_reference_json(self) -> dict[str, Any]:
        """Which rest and reference were used and why (the ``score`` JSON's ``rest`` and
        ``reference`` entries)."""
        if self.rest_mode == "quiet":
            rest = {
                "method": "quiet stretch",
                "why": "a recording may start moving at once: each channel's rest is its "
                f"calibrated rest, else the median of its first {self.rest_window_s:g} s "
                "when that lies within 10 % of reference of its least activated 0.5 s "
                "stretch, else that stretch",
                "notes": self.rest_notes,
            }
        else:
            rest = {
                "method": "rest window",
                "why": f"live: the median of each channel's first {self.rest_window_s:g} s",
                "notes": [],
            }
        if self.reference_mode == "set":
            reference = {
                "method": "set robust maximum",
                "why": "no calibrated reference: a target's 100 % (both sides alike) is the "
                "95th percentile of its stronger side's excursion in this set (kept at the "
                "table's default when that maximum is below a quarter of it, i.e. no real "
                "movement)",
            }
        else:
            reference = {
                "method": "default reference",
                "why": "calibrated references where given, else the activation table's",
            }
        return {"rest": rest, "reference": reference}

    def calibration(self) -> Calibration:
        """The calibration in use (rest windows and references), to save for later."""
        chans = {}
        for norm in (self.video_norm, self.emg_norm):
            if norm is not None:
                chans.update(norm.calibration().channels)
        return Calibration(chans)

    def record_reference(self) -> None:
        """Keep the raw data so that :meth:`reference_calibration` can be called at the end."""
        for norm in (self.video_norm, self.emg_norm):
            if norm is not None:
                norm.record = True

    def reference_calibration(self) -> Calibration:
        """Rest and reference of every channel from this set (see
        :meth:`StreamNormaliser.reference_calibration`)."""
        cal = Calibration({})
        for norm in (self.video_norm, self.emg_norm):
            if norm is not None:
                cal = cal.merged(norm.reference_calibration())
        return cal

    def result(self) -> dict[str, Any]:
        """The ``score`` command's JSON: exercise, modalities, reps, summary, and the rest and
        reference of every channel used with where each came from (``calibration``:
        "default reference", "calibrated", "live EMG reference"); rest is always this set's own
        rest window."""
        used = {
            key
            for ch in self.plan.channels
            for key in (
                video_key(*ch),
                *(emg_key(m, ch[1]) for m in MUSCLES if signal_of_muscle(m) == ch[0]),
            )
        }
        cal = self.calibration().to_json()
        cal["channels"] = {k: v for k, v in cal["channels"].items() if k in used}
        return {
            "exercise": self.engine.exercise.id,
            "modalities": self.modalities,
            "reps": [r.to_json() for r in self.engine.reps],
            "summary": self.engine.summary(),
            "calibration": cal,
        }
