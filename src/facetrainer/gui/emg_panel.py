"""EMG panel: live traces (raw / filtered / envelope) with baseline, threshold, % of reference
and signal-quality hints, one row per channel over a scrolling 10 s window.

A ``PANEL_MODULES`` module: :func:`install` adds the "EMG" dock and Session menu actions
(capture a rest baseline, set references). The panel is built with the live-session model:
all processing happens in the model's EMG streams (:class:`facetrainer.emg.live.LiveEmg`,
one chain per source, on each source's thread); the panel reads their rings and state on a
timer and draws; the montage it offers is the model's (``model.set_montage``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from facetrainer import clock
from facetrainer.emg.live import LiveEmg
from facetrainer.emg.montage import MontageError, list_montages
from facetrainer.emg.recorder import EmgRecorder
from facetrainer.emg.reference import ReferenceKind
from facetrainer.gui.emg_view import StableRange
from facetrainer.gui.event_loop import connect_while_alive
from facetrainer.gui.peak_bins import PeakBins, finite_bounds
from facetrainer.gui.peak_bins import decimate_peaks as decimate_peaks  # public here before
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.source_health import source_health
from facetrainer.source_status import SourceState

REFRESH_MS = 33  # traces at 30 Hz; the video follows the camera on the window's timer
LABEL_INTERVAL_S = 0.2  # channel labels (µV, % of reference) update 5 times a second
MAX_BINS = 800  # traces are drawn as min/max per bin: ~2 points per pixel, any rate
MIN_ROW_HEIGHT_PX = 46  # below this a row's label and trace overlap: scroll instead
WINDOW_S = 10.0
BASELINE_S = 3.0
REFERENCE_S = 5.0
MODES = ("envelope", "filtered", "raw")
TRACE_PEN = (90, 200, 255)
ENVELOPE_PEN = (255, 200, 80)
BASELINE_PEN = (140, 140, 140)
DEAD_PEN = (95, 95, 95)  # traces of a source that stopped (source_health)
DEAD_TEXT = (255, 170, 120)
THRESHOLD_PEN = (230, 90, 90)
REFERENCE_LABELS = {
    ReferenceKind.MVC: "MVC",
    ReferenceKind.HEALTHY_SIDE: "healthy side",
    ReferenceKind.TASK_MAX: "task max",
}
QUALITY_TEXT = {"flat": "flat line?", "saturated": "saturated!", "mains": "mains hum"}


class _TraceCurve(pg.PlotCurveItem):
    """A curve whose bounds the panel already knows (the window's time span and the bins'
    minimum and maximum): pyqtgraph would otherwise scan the data for them, and measure
    pixel padding, on every redraw."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._bounds = QRectF()

    def set_trace(self, t: np.ndarray, y: np.ndarray, y_lo: float, y_hi: float) -> None:
        """Show ``y`` at times ``t``, whose finite values lie within [y_lo, y_hi]."""
        if t.size and np.isfinite(y_lo) and np.isfinite(y_hi):
            pad = 0.01 * max(y_hi - y_lo, 1e-9)  # the pen's width, in data units, roughly
            bounds = QRectF(float(t[0]), y_lo - pad, float(t[-1] - t[0]), y_hi - y_lo + 2 * pad)
        else:
            bounds = QRectF()
        self.setData(t, y, connect="finite")
        self._bounds = bounds

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None) -> tuple:  # noqa: N802,N803
        b = self._bounds
        if b.isNull():
            return (None, None)
        return (b.left(), b.right()) if ax == 0 else (b.top(), b.bottom())

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._bounds


class _ChannelRow:
    """One plot row: trace, baseline and threshold lines, and a status label."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        # A bare curve item: PlotDataItem's per-call bookkeeping (display datasets, data
        # bounds) costs more than the drawing for data that arrive already peak-binned.
        self.curve = _TraceCurve(pen=pg.mkPen(TRACE_PEN, width=1))
        plot.addItem(self.curve)
        dash = Qt.PenStyle.DashLine
        self.baseline = pg.InfiniteLine(angle=0, pen=pg.mkPen(BASELINE_PEN, style=dash))
        self.threshold = pg.InfiniteLine(angle=0, pen=pg.mkPen(THRESHOLD_PEN, style=dash))
        plot.addItem(self.baseline, ignoreBounds=True)
        plot.addItem(self.threshold, ignoreBounds=True)
        self.text = pg.TextItem(anchor=(0, 0), color=(230, 230, 230))
        font = self.text.textItem.font()
        font.setPointSizeF(8.0)
        self.text.setFont(font)
        self.text.setParentItem(plot.vb)
        self.range = StableRange(minimum_half_range=2.0)
        # What is on screen now: each redraw touches only what changed.
        self.shown_range: tuple[float, float] | None = None
        self.shown_text = ""
        self.shown_colour: tuple[int, int, int] | None = None
        self.shown_levels: tuple[float | None, float | None] = (None, None)

    def set_text(self, text: str, colour: tuple[int, int, int]) -> None:
        if text != self.shown_text:
            self.text.setText(text)
            self.shown_text = text
        if colour != self.shown_colour:
            self.text.setColor(colour)
            self.shown_colour = colour

    def set_y_range(self, lo: float, hi: float) -> None:
        if (lo, hi) != self.shown_range:  # a new range re-lays the axis out: only on change
            self.plot.setYRange(lo, hi, padding=0)
            self.shown_range = (lo, hi)

    def set_levels(self, base: float | None, threshold: float | None) -> None:
        if (base, threshold) == self.shown_levels:
            return
        if base is not None:
            self.baseline.setPos(base)
        if threshold is not None:
            self.threshold.setPos(threshold)
        self.shown_levels = (base, threshold)


class EmgPanel(QWidget):
    """Live EMG of the model's streams (one at a time, chosen in a combo box)."""

    status_message = Signal(str)  # for the status bar

    def __init__(self, model: LiveSessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.lives: list[LiveEmg] = []
        self.mode = "envelope"
        self._rows: list[_ChannelRow] = []
        self._built_for: tuple[int, tuple[str, ...]] | None = None
        self._bins: PeakBins | None = None  # the shown mode's window, updated incrementally
        self._bins_key: tuple[int, str, int | None, int] | None = None
        self._bins_counter = 0  # ring sample count read so far
        self._labels_due_s = 0.0
        self.n_draws = 0
        self._dead = False  # the shown source is not alive (greyed traces)
        self.recorder: EmgRecorder | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.source_box = QComboBox()
        self.source_box.currentIndexChanged.connect(lambda _i: self._invalidate())
        self.mode_box = QComboBox()
        self.mode_box.addItems(MODES)
        self.mode_box.currentTextChanged.connect(self.set_mode)
        self.montage_box = QComboBox()
        self.montage_box.addItem("no montage")
        self.montage_box.addItems(list_montages())
        self.montage_box.addItem("load file…")
        self.montage_box.currentTextChanged.connect(self._choose_montage)
        self.baseline_button = QPushButton(f"Rest baseline ({BASELINE_S:g} s)")
        self.baseline_button.clicked.connect(self.capture_baseline)
        self.reference_box = QComboBox()
        for kind, text in REFERENCE_LABELS.items():
            self.reference_box.addItem(f"reference: {text}", kind)
        self.reference_button = QPushButton(f"Set reference (last {REFERENCE_S:g} s)")
        self.reference_button.clicked.connect(self.set_reference)
        # Two short rows (a long source name is elided in its box): the window's minimum
        # width must fit a 1366-pixel screen next to the docks.
        for box in (self.source_box, self.montage_box, self.reference_box):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(12)
        for w in (QLabel("Source"), self.source_box, QLabel("Show"), self.mode_box,
                  self.montage_box):
            bar.addWidget(w)
        bar.addStretch(1)
        layout.addLayout(bar)
        actions = QHBoxLayout()
        for w in (self.baseline_button, self.reference_box, self.reference_button):
            actions.addWidget(w)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.message = QLabel("No EMG source")
        # a long message (a device's error) is cut, never widens the window
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.message)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground((24, 26, 30))
        self.plots.ci.layout.setVerticalSpacing(2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.plots)
        layout.addWidget(scroll, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._sync_sources()
        connect_while_alive(self, model.events.montage_changed, self._show_montage)

    # -- model -----------------------------------------------------------------------
    def _sync_sources(self) -> None:
        streams = list(self.model.emg_streams)
        if self.lives == streams:
            return
        self.lives = streams
        sources = [lv.source for lv in streams]
        current = self.source_box.currentIndex()
        self.source_box.blockSignals(True)
        self.source_box.clear()
        self.source_box.addItems([s.name for s in sources])
        self.source_box.setCurrentIndex(min(max(current, 0), len(sources) - 1))
        self.source_box.blockSignals(False)
        self._invalidate()

    @property
    def live(self) -> LiveEmg | None:
        i = self.source_box.currentIndex()
        return self.lives[i] if 0 <= i < len(self.lives) else None

    def _invalidate(self) -> None:
        self._built_for = None
        self._bins = None

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        if self.mode_box.currentText() != mode:
            self.mode_box.setCurrentText(mode)
        pen = pg.mkPen(ENVELOPE_PEN if mode == "envelope" else TRACE_PEN, width=1)
        for row in self._rows:
            row.range = StableRange(minimum_half_range=2.0)
            row.shown_range = None
            row.curve.setPen(pen)  # width 1: wider pens take Qt's slow path

    def _choose_montage(self, text: str) -> None:
        """The user's montage choice becomes the model's (every stream, every later set)."""
        if text == "load file…":
            path, _ = QFileDialog.getOpenFileName(self, "Montage", "", "Montage (*.toml)")
            if not path:
                return
            text = path
        if text == "no montage":
            self.model.set_montage(None)
            return
        try:
            montage = self.model.set_montage(text)
        except MontageError as exc:
            self.status_message.emit(str(exc))
            return
        if montage is not None:
            self.status_message.emit(f"EMG montage: {montage.name}")

    def _show_montage(self, montage: object) -> None:
        name = getattr(montage, "name", None) or "no montage"
        if self.montage_box.findText(name) >= 0 and self.montage_box.currentText() != name:
            self.montage_box.blockSignals(True)
            self.montage_box.setCurrentText(name)
            self.montage_box.blockSignals(False)

    def capture_baseline(self) -> None:
        live = self.live
        if live is None:
            return
        try:
            live.capture_baseline(BASELINE_S)
        except ValueError as exc:
            self.status_message.emit(f"EMG baseline: {exc}")
            return
        self.status_message.emit(f"EMG rest baseline taken from the last {BASELINE_S:g} s")

    def set_reference(self) -> None:
        live = self.live
        if live is None:
            return
        kind = self.reference_box.currentData()
        done, problems = 0, []
        for ch in range(len(live.channel_names)):
            try:
                if kind == ReferenceKind.TASK_MAX:
                    live.track_task_maximum(ch)
                else:
                    live.capture_reference(ch, REFERENCE_S, kind)
                done += 1
            except ValueError as exc:
                problems.append(str(exc))
        text = f"EMG reference ({REFERENCE_LABELS[kind]}) set on {done} channel(s)"
        self.status_message.emit(text + (f"; {problems[0]}" if problems else ""))

    def start_recording(self, csv_path: str | None = None) -> None:
        """Record the shown source's raw EMG to ``X.csv`` and BrainFlow ``X_brainflow.csv``."""
        live = self.live
        if live is None or self.recorder is not None:
            return
        if csv_path is None:
            csv_path, _ = QFileDialog.getSaveFileName(
                self, "Record raw EMG", "emg.csv", "CSV (*.csv)"
            )
            if not csv_path:
                return
        base = csv_path[:-4] if csv_path.lower().endswith(".csv") else csv_path
        try:
            self.recorder = EmgRecorder(
                live.source, csv_path=base + ".csv", brainflow_path=base + "_brainflow.csv"
            )
        except ValueError as exc:
            self.status_message.emit(f"EMG recording: {exc}")
            return
        self.recorder.start()
        self.status_message.emit(f"Recording raw EMG to {base}.csv and {base}_brainflow.csv")

    def stop_recording(self) -> None:
        if self.recorder is None:
            return
        self.recorder.stop()
        n = self.recorder.n_samples
        self.recorder = None
        self.status_message.emit(f"EMG recording stopped ({n} samples per channel)")

    # -- drawing ---------------------------------------------------------------------
    def _build(self, live: LiveEmg) -> None:
        self.plots.clear()
        self._rows = []
        states = live.states()
        for i in range(len(states)):
            p = self.plots.addPlot(row=i, col=0)
            p.setMenuEnabled(False)
            p.setMouseEnabled(x=False, y=False)
            p.hideButtons()
            p.setXRange(-WINDOW_S, 0, padding=0)
            p.getAxis("left").setWidth(40)
            for side in ("left", "bottom"):  # axes change only with the range: blit them
                p.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            if i < len(states) - 1:
                p.getAxis("bottom").setStyle(showValues=False)
            else:
                p.setLabel("bottom", "time", units="s")
            if self._rows:
                p.setXLink(self._rows[0].plot)
            self._rows.append(_ChannelRow(p))
        self.set_mode(self.mode)
        self.plots.setMinimumHeight(MIN_ROW_HEIGHT_PX * len(states) + 30)
        self._built_for = (id(live), tuple(live.channel_names))

    def _read_bins(self, live: LiveEmg) -> PeakBins | None:
        """The shown mode's window as peak bins, with only the samples new since the last
        redraw reduced (started again when the source, the mode or the chain's revision
        of its recent output changes)."""
        ring = {"raw": live.source.ring, "filtered": live.filtered,
                "envelope": live.envelope}[self.mode]
        if ring is None:
            return None
        key = (id(live), self.mode, live.settled_index, id(ring))
        if self._bins is None or key != self._bins_key:
            n_window = max(1, int(round(WINDOW_S * live.fs_hz)))
            per_bin = max(1, int(np.ceil(n_window / MAX_BINS)))
            self._bins = PeakBins(ring.n_channels, per_bin, int(np.ceil(n_window / per_bin)))
            self._bins_key = key
            self._bins_counter = max(0, ring.total_written - n_window)
        data, times, self._bins_counter, _lost = ring.read_since(self._bins_counter)
        self._bins.add(data, times)
        return self._bins

    def _tick(self) -> None:
        """The timer's redraw: nothing while the panel is out of sight (the window minimised,
        or hidden for patient mode); the channel labels at most every ``LABEL_INTERVAL_S``
        (re-laying text out on every trace redraw cost more than the traces)."""
        top = self.window()
        shown_before = top.testAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide)
        if top.isMinimized() or (shown_before and not self.isVisible()):
            return
        now = time.monotonic()
        labels = now >= self._labels_due_s
        if labels:
            self._labels_due_s = now + LABEL_INTERVAL_S
        self.refresh(labels=labels)

    def refresh(self, labels: bool = True) -> None:
        """Redraw the traces from the rings (and the channel labels unless ``labels`` is
        False)."""
        self._sync_sources()
        live = self.live
        if live is None:
            self.message.setText("No EMG source")
            return
        if not live.ready:
            self.message.setText(
                f"{live.source.name}: {live.source.status.state.value} "
                f"{live.source.status.message}".strip()
            )
            return
        if self._built_for != (id(live), tuple(live.channel_names)):
            self._build(live)
        bins = self._read_bins(live)
        states = live.states()
        newest = bins.newest_time_s if bins is not None else None
        if newest is None or not states:
            return
        health = source_health(live.source.status, newest, clock.now())
        ended = live.source.status.state == SourceState.FINISHED  # a file: its data stays valid
        dead = not health.alive and not ended
        t, data = bins.curves()
        t = t - newest
        lows, highs = finite_bounds(data)
        show_levels = self.mode in ("envelope", "filtered")
        for ch, (row, state) in enumerate(zip(self._rows, states, strict=False)):
            row.curve.set_trace(t, data[ch], float(lows[ch]), float(highs[ch]))
            lo, hi = row.range.update_bounds(float(lows[ch]), float(highs[ch]))
            if self.mode == "envelope":
                lo = min(0.0, lo)
            row.set_y_range(lo, hi)
            base, thr = state.baseline, state.on_threshold_uv
            row.baseline.setVisible(show_levels and base is not None)
            row.threshold.setVisible(show_levels and thr is not None)
            row.set_levels(None if base is None else base.level_uv, thr)
            if dead and not self._dead:
                row.curve.setPen(pg.mkPen(DEAD_PEN, width=1))
            if not labels:
                continue
            if dead:  # never "ACTIVE" on a dead stream: grey, with the reason
                hints = "".join(f" · {QUALITY_TEXT[q]}" for q in state.quality)
                row.set_text(f"{state.label} · no signal: {health.reason}{hints}", DEAD_TEXT)
                continue
            ending = " · recording ended" if ended else ""
            row.set_text(
                f"{state.label} · {_status_text(state, health.alive)}{ending}",
                (255, 140, 120) if state.quality else (230, 230, 230),
            )
        if dead:
            self._dead = True
            self.message.setText(f"{live.source.name}: no signal — {health.reason} "
                                 "(Sources → Reconnect EMG)")
            self.n_draws += 1
            return
        if self._dead:  # alive again: the traces get their colour back
            self._dead = False
            self.set_mode(self.mode)
        problem = f" · {live.error}" if live.error else ""
        flt = live.processor.filter if live.processor is not None else None
        band = (
            f", band {flt.settings.highpass_hz:g}–{flt.lowpass_hz:.4g} Hz"
            if flt is not None
            else ", hardware envelope"
        )
        self.message.setText(
            f"{live.source.name}: {live.fs_hz:g} Hz, "
            f"{len(live.channel_names)} channels{band}, {self.mode}{problem}"
        )
        self.n_draws += 1


def _status_text(state: Any, streaming: bool = True) -> str:
    parts = [f"{state.envelope_uv:.1f} µV" if np.isfinite(state.envelope_uv) else "gap"]
    if state.percent_of_reference is not None:
        parts.append(
            f"{state.percent_of_reference:.0f}% {REFERENCE_LABELS.get(state.reference_kind, 'ref')}"
        )
    if state.active and streaming:  # a stream that stopped is never "ACTIVE"
        parts.append("ACTIVE")
    if state.mains_hz:
        parts.append(f"notch {state.mains_hz:g} Hz")
    parts.extend(QUALITY_TEXT[q] for q in state.quality)
    if state.baseline is not None and not state.baseline_captured:
        parts.append("baseline estimated")
    return " · ".join(parts)


def install(window: Any) -> None:
    """Add the EMG dock and Session ▸ EMG actions to the main window."""
    panel = EmgPanel(window.model)
    panel.status_message.connect(window.show_status)
    window.register_panel("emg", panel)
    window.set_emg_widget(panel)
    session = window.menu("Session")
    session.addAction(f"EMG: capture rest baseline ({BASELINE_S:g} s)", panel.capture_baseline)
    session.addAction(f"EMG: set reference from last {REFERENCE_S:g} s", panel.set_reference)
    file_menu = window.menu("File")
    file_menu.addAction("Record raw EMG…", lambda: panel.start_recording())
    file_menu.addAction("Stop raw EMG recording", panel.stop_recording)
    view = window.menu("View")
    for mode in MODES:
        view.addAction(f"EMG: show {mode}", lambda m=mode: panel.set_mode(m))
