"""Synthetic performers for engine tests: trapezoid reps as face measures and EMG envelopes.

A rep rises smoothly (smoothstep, like the virtual patient) over ``contract_s``, holds for ``hold_s`` and falls over ``release_s``; the
activation a(t) ∈ [0, 1] moves the target region (scaled per side by ``side_gain``) and
drags each watch region by its synkinesis fraction. Measures follow the activation model's
defaults (mm), so the expected activation of every signal is known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facetrainer.exercises.activation import load_activation_table

REST_MM = {
    "brow_height_mm": 25.0,
    "palpebral_fissure_mm": 10.0,
    "commissure_excursion_mm": 30.0,
    "upper_lip_height_mm": 15.0,
    "lower_lip_height_mm": 10.0,
}


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass
class Performer:
    reps: int = 5
    lead_rest_s: float = 3.0
    contract_s: float = 1.5
    hold_s: float = 3.0
    release_s: float = 1.5
    rest_s: float = 3.0
    amplitude: float = 0.6  # of reference
    side_gain: dict[str, float] = field(default_factory=lambda: {"left": 1.0, "right": 1.0})
    synkinesis: dict[str, float] = field(default_factory=dict)  # watch region → fraction
    skip: tuple[int, ...] = ()  # rep indices not performed (missed)
    fast: tuple[int, ...] = ()  # rep indices done too fast (0.2 s up and down)
    noise_mm: float = 0.05
    seed: int = 0

    def _ramps(self) -> list[tuple[float, float, float]]:
        """(start, contract_s, release_s) of every performed rep."""
        out, t = [], self.lead_rest_s
        for i in range(self.reps):
            c, r = (0.2, 0.2) if i in self.fast else (self.contract_s, self.release_s)
            if i not in self.skip:
                out.append((t, c, r))
            t += self.contract_s + self.hold_s + self.release_s + self.rest_s
        return out

    def rep_windows(self) -> list[tuple[float, float]]:
        """(start, end) of every performed rep."""
        return [(s, s + c + self.hold_s + r) for s, c, r in self._ramps()]

    def duration_s(self) -> float:
        return self.lead_rest_s + self.reps * (
            self.contract_s + self.hold_s + self.release_s + self.rest_s
        )

    def activation(self, t: np.ndarray) -> np.ndarray:
        a = np.zeros_like(t)
        for s, c, r in self._ramps():
            e = s + c + self.hold_s + r
            up = _smoothstep((t - s) / c)
            down = _smoothstep((e - t) / r)
            a = np.maximum(a, np.minimum(up, down) * ((t >= s) & (t <= e)))
        return self.amplitude * a

    def measures(self, target_region: str, fps: float = 30.0) -> tuple[np.ndarray, list]:
        """(times (k,), list of {"metrics": ..., "rejected": False}) at ``fps``."""
        table = load_activation_table()
        rng = np.random.default_rng(self.seed)
        t = np.arange(0.0, self.duration_s(), 1.0 / fps)
        a = self.activation(t)
        frames = []
        for k in range(t.size):
            metrics: dict[str, dict[str, float]] = {}
            for region, m in table.regions.items():
                if m.measure is None:
                    continue  # landmark-only region: not in a measures-only stream
                level = {side: 0.0 for side in ("left", "right")}
                if region == target_region:
                    level = {s: a[k] * g for s, g in self.side_gain.items()}
                elif region in self.synkinesis:
                    level = {s: a[k] * self.synkinesis[region] / self.amplitude for s in level}
                rest = REST_MM[m.measure]
                ref = m.reference_mm if m.reference_mm is not None else rest
                per = metrics.setdefault(m.measure, {})
                for side, lv in level.items():
                    # Two regions may share a measure (mouth_corner/lips): add excursions.
                    base = per.get(side, rest + rng.normal(0, self.noise_mm))
                    per[side] = base + m.direction * lv * ref
            frames.append({"metrics": metrics, "rejected": False})
        return t, frames


def emg_envelopes(
    p: Performer,
    target_muscle: str,
    watch: dict[str, float],
    fs_hz: float = 1000.0,
    rest_uv: float = 5.0,
    reference_uv: float = 50.0,
    noise: float = 0.05,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(times (k,), envelopes (n, k) µV, labels) for target and watch muscles, both sides.

    A muscle's envelope is rest + activation · reference with ``noise`` relative jitter;
    ``watch`` maps muscle → synkinesis fraction of the target's activation.
    """
    rng = np.random.default_rng(p.seed + 1)
    t = np.arange(0.0, p.duration_s(), 1.0 / fs_hz)
    a = p.activation(t)
    rows, labels = [], []
    for muscle in (target_muscle, *watch):
        for side in ("left", "right"):
            if muscle == target_muscle:
                level = a * p.side_gain[side]
            else:
                level = a * watch[muscle] / p.amplitude
            env = rest_uv + level * reference_uv
            rows.append(env * (1.0 + noise * rng.standard_normal(t.size)))
            labels.append(f"{muscle}/{side}")
    return t, np.vstack(rows), labels


def raw_emg_csv(
    path,
    p: Performer,
    target_muscle: str,
    watch: dict[str, float],
    fs_hz: float = 1000.0,
    rest_uv: float = 5.0,
    reference_uv: float = 50.0,
) -> list[str]:
    """Write raw EMG (Gaussian noise whose SD follows the envelope) as a CSV with a
    ``time_s`` column; returns the channel names (``muscle_side``)."""
    t, env, labels = emg_envelopes(p, target_muscle, watch, fs_hz, rest_uv, reference_uv, noise=0.0)
    rng = np.random.default_rng(p.seed + 2)
    raw = env * rng.standard_normal(env.shape)
    names = [lab.replace("/", "_") for lab in labels]
    with open(path, "w") as f:
        f.write(",".join(["time_s", *names]) + "\n")
        for k in range(t.size):
            f.write(f"{t[k]:.4f}," + ",".join(f"{v:.3f}" for v in raw[:, k]) + "\n")
    return names
