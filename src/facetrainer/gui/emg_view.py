"""Scrolling EMG traces: one row per channel, fixed window, steady y-ranges."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from facetrainer import clock
from facetrainer.emg.source import EmgSource
from facetrainer.gui.peak_bins import decimate_peaks, finite_bounds
from facetrainer.latency_log import LatencyLog

MAX_BINS = 800  # min/max per bin: about two points per pixel of a wide plot


class StableRange:
    """A y-range that grows at once when the signal exceeds it and shrinks only slowly.

    Autoscaling every frame makes traces jump; this keeps the axis still unless the
    signal really changes its size. The range's half-height is a round number (one of
    :data:`NICE_MANTISSAS` times a power of ten) and its centre a multiple of a tenth of
    it, so the range (and with it the axis, whose ticks pyqtgraph lays out again on every
    change) changes only in steps: at once when the signal leaves it (grown, or moved to
    the signal), and down to fit when the signal has used less than 40 % of it for
    ``shrink_after_s``. (It used to shrink by 10 % every redraw, which re-laid the axes of
    every channel coming out of a burst on 30 redraws a second.)
    """

    def __init__(self, minimum_half_range: float = 1.0, shrink_after_s: float = 1.0) -> None:
        self._minimum = minimum_half_range
        self._smallest = nice_up(minimum_half_range)  # the range never shrinks below it
        self.half = self._smallest
        self.centre = 0.0
        self.shrink_after_s = shrink_after_s
        self._small_since: float | None = None  # the signal is small since (app clock)

    def update(self, values: np.ndarray) -> tuple[float, float]:
        """The range for ``values`` (any shape); only their finite minimum and maximum
        count, so peak bins (see :mod:`facetrainer.gui.peak_bins`) give the same range as
        the samples they summarise."""
        v = values[np.isfinite(values)]
        if v.size:
            return self.update_bounds(float(v.min()), float(v.max()))
        return self.centre - self.half, self.centre + self.half

    def update_bounds(self, lo: float, hi: float, now_s: float | None = None
                      ) -> tuple[float, float]:
        """The range once the window's finite minimum ``lo`` and maximum ``hi`` are known
        (NaN: no finite data, the range stays)."""
        if np.isfinite(lo) and np.isfinite(hi):
            centre = 0.5 * (lo + hi)
            half = max(0.5 * (hi - lo) * 1.15, self._minimum)
            if lo < self.centre - self.half or hi > self.centre + self.half:
                self._set(max(half, self.half), centre)  # out of the range: at once
                self._small_since = None
            elif half < 0.4 * self.half and self.half > self._smallest:
                now = clock.now() if now_s is None else now_s
                if self._small_since is None:
                    self._small_since = now
                elif now - self._small_since >= self.shrink_after_s:
                    self._set(half, centre)
                    self._small_since = None
            else:
                self._small_since = None
        return self.centre - self.half, self.centre + self.half

    def _set(self, half: float, centre: float) -> None:
        self.half = nice_up(half)
        step = self.half / 10  # the data keeps >= 8 % of the range as margin
        self.centre = round(centre / step) * step


NICE_MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
"""Round half-heights (times a power of ten): at most a third more than asked for."""


def nice_up(x: float) -> float:
    """The smallest round number (:data:`NICE_MANTISSAS`) that is >= ``x`` (> 0)."""
    exp = float(np.floor(np.log10(x)))
    return next(float(m * 10.0**exp) for m in NICE_MANTISSAS if m * 10.0**exp >= x * (1 - 1e-12))


class EmgTraceView(QWidget):
    """Raw traces of one EMG source's ring buffer, redrawn by :meth:`refresh`."""

    def __init__(self, window_s: float = 10.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_s = window_s
        self._source: EmgSource | None = None
        self._plots: list[pg.PlotItem] = []
        self._curves: list[pg.PlotDataItem] = []
        self._ranges: list[StableRange] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._label = QLabel("No EMG source")
        layout.addWidget(self._label)
        self._glw = pg.GraphicsLayoutWidget()
        self._glw.setBackground((24, 26, 30))
        layout.addWidget(self._glw, 1)
        self.n_refreshes_with_data = 0
        # Newest sample's stamp -> the traces updated with it (painted in the same pass of
        # the event loop), per refresh with data (s).
        self.latency = LatencyLog()

    def set_source(self, source: EmgSource | None) -> None:
        self._source = source
        self._glw.clear()
        self._plots, self._curves, self._ranges = [], [], []
        self._label.setText("No EMG source" if source is None else f"EMG: {source.name}")

    def _build(self, names: tuple[str, ...]) -> None:
        self._glw.clear()
        self._plots, self._curves, self._ranges = [], [], []
        for i, name in enumerate(names):
            p = self._glw.addPlot(row=i, col=0)
            p.setMenuEnabled(False)
            p.setMouseEnabled(x=False, y=False)
            p.hideButtons()
            p.setXRange(-self.window_s, 0, padding=0)
            p.getAxis("left").setWidth(48)
            p.setLabel("left", name)
            if i < len(names) - 1:
                p.getAxis("bottom").setStyle(showValues=False)
            else:
                p.setLabel("bottom", "time", units="s")
            if self._plots:
                p.setXLink(self._plots[0])
            c = p.plot(pen=pg.mkPen((90, 200, 255), width=1))
            c.setDownsampling(auto=True, method="peak")
            c.setClipToView(True)
            self._plots.append(p)
            self._curves.append(c)
            self._ranges.append(StableRange())

    def channel_names(self) -> list[str]:
        return [str(p.getAxis("left").labelText) for p in self._plots]

    def refresh(self) -> None:
        src = self._source
        if src is None or src.info is None or src.ring is None:
            return
        if len(self._curves) != src.info.n_channels:
            self._build(src.info.channel_names)
            self._label.setText(f"EMG: {src.name} · {src.info.fs_hz:g} Hz · "
                                f"{src.info.n_channels} channels")
        data, times = src.ring.get_data(int(self.window_s * src.info.fs_hz))
        if times.size < 2:
            return
        t, data = decimate_peaks(times - times[-1], data, MAX_BINS)
        lows, highs = finite_bounds(data)
        for i, (curve, plot, rng) in enumerate(zip(self._curves, self._plots, self._ranges,
                                                   strict=True)):
            curve.setData(t, data[i])
            lo, hi = rng.update_bounds(float(lows[i]), float(highs[i]))
            if plot.viewRange()[1] != [lo, hi]:  # re-laying the axis out only on change
                plot.setYRange(lo, hi, padding=0)
        self.n_refreshes_with_data += 1
        self.latency.add(clock.now() - float(times[-1]))
