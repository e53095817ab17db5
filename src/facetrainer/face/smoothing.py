"""One Euro filter (Casiez, Roussel & Vogel, CHI 2012) over arrays of measures.

At rest the cut-off is low (``min_cutoff_hz``) and landmark jitter is smoothed away; as soon
as the value moves, the cut-off rises with its speed (``beta``), so a movement is followed
with a lag well under one frame at 30 fps (tests/face/test_smoothing.py measures it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OneEuroSettings:
    """Filter constants; speeds are in the measured unit per second (mm/s, deg/s)."""

    min_cutoff_hz: float = 1.0
    beta: float = 0.3
    d_cutoff_hz: float = 1.0

    def __post_init__(self) -> None:
        for name in ("min_cutoff_hz", "d_cutoff_hz"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if not self.beta >= 0:
            raise ValueError(f"beta must be >= 0, got {self.beta!r}")


def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray:
    tau = 1.0 / (2.0 * np.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Element-wise One Euro filter for an array of any fixed shape; NaNs pass through."""

    def __init__(self, settings: OneEuroSettings | None = None) -> None:
        self.settings = settings or OneEuroSettings()
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        """Filter the sample ``x`` taken at time ``t_s`` (seconds); returns the smoothed array."""
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None or self._dx is None or self._x.shape != x.shape:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt = t_s - self._t
        if not dt > 0:
            return self._x.copy()
        s = self.settings
        prev = np.where(np.isfinite(self._x), self._x, x)
        dx = (x - prev) / dt
        dx_hat = self._dx + _alpha(s.d_cutoff_hz, dt) * (dx - self._dx)
        dx_hat = np.where(np.isfinite(dx_hat), dx_hat, 0.0)
        cutoff = s.min_cutoff_hz + s.beta * np.abs(dx_hat)
        out = prev + _alpha(cutoff, dt) * (x - prev)
        out = np.where(np.isfinite(x), out, x)
        self._x, self._dx, self._t = out, dx_hat, t_s
        return out.copy()
