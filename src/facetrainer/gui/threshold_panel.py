"""Thresholds on the plot: the live activation with the target band and ceiling to drag.

The plot shows the running set's target activation and each watched signal in % of their
reference (``model.events.activation``), the last ``WINDOW_S`` seconds. The target band is a
shaded region and the spillover ceiling a line; drag them, or type the values. A change
applies to the running set at once (``exercise_session.set_thresholds``: the engine emits
THRESHOLDS_CHANGED, which a recording keeps), and *Save into program* stores it in the
patient's program as a new revision. Values outside 0-200 % are refused with the field
named (:func:`facetrainer.exercises.threshold_limits.check_thresholds`).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.exercises import events as ev
from facetrainer.exercises.library import Thresholds
from facetrainer.exercises.threshold_limits import check_thresholds
from facetrainer.gui.event_loop import connect_while_alive
from facetrainer.gui.on_screen import on_screen

WINDOW_S = 20.0
REDRAW_MS = 50
MAX_POINTS = 4000  # activation samples kept (a set's engine ticks at ~30-100 Hz)
BAND_BRUSH = (60, 180, 90, 50)
CEILING_PEN = pg.mkPen((230, 70, 60), width=2, style=pg.QtCore.Qt.PenStyle.DashLine)


def _spin(value: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(-1000.0, 1000.0)  # wider than allowed: a typed 250 is refused by name
    box.setDecimals(1)
    box.setSuffix(" %")
    box.setValue(value)
    return box


class ThresholdPanel(QWidget):
    """Live activation with draggable band and ceiling; ``applied`` carries new Thresholds."""

    applied = Signal(object)

    def __init__(self, model: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.thresholds = Thresholds()
        self._t: deque[float] = deque(maxlen=MAX_POINTS)
        self._target: deque[float] = deque(maxlen=MAX_POINTS)
        self._watch: dict[str, deque[float]] = {}
        self._updating = False
        self._t0: float | None = None  # app-clock time of the set's first sample
        layout = QVBoxLayout(self)
        self.plot_widget = pg.PlotWidget()
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setLabel("left", "activation", units="%")
        self.plot.setLabel("bottom", "time in the set", units="s")
        self.plot.setYRange(0, 120)
        self.plot.addLegend(offset=(5, 5))
        self.target_curve = self.plot.plot(pen=pg.mkPen((90, 200, 255), width=2), name="target")
        self.watch_curves: dict[str, pg.PlotDataItem] = {}
        self.band = pg.LinearRegionItem(self.thresholds.target_band_pct,
                                        orientation="horizontal", brush=BAND_BRUSH)
        self.band.sigRegionChangeFinished.connect(self._band_dragged)
        self.ceiling = pg.InfiniteLine(self.thresholds.spillover_ceiling_pct, angle=0,
                                       movable=True, pen=CEILING_PEN,
                                       label="ceiling {value:.0f} %",
                                       labelOpts={"position": 0.05, "color": (230, 70, 60)})
        self.ceiling.sigPositionChangeFinished.connect(self._ceiling_dragged)
        self.plot.addItem(self.band)
        self.plot.addItem(self.ceiling)
        layout.addWidget(self.plot_widget, 1)
        row = QHBoxLayout()
        self.band_low = _spin(self.thresholds.target_band_pct[0])
        self.band_high = _spin(self.thresholds.target_band_pct[1])
        self.ceiling_box = _spin(self.thresholds.spillover_ceiling_pct)
        for label, box in (("band", self.band_low), ("to", self.band_high),
                           ("ceiling", self.ceiling_box)):
            row.addWidget(QLabel(label))
            row.addWidget(box)
            box.editingFinished.connect(self._typed)
        self.save_button = QPushButton("Save into program")
        self.save_button.clicked.connect(self.save_into_program)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.message = QLabel("Start a set: its band and ceiling appear here.")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        events = model.events
        connect_while_alive(self, events.activation, self._on_activation)
        connect_while_alive(self, events.set_started, self._on_set_started)
        connect_while_alive(self, events.feedback, self._on_feedback)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        if on_screen(self):  # a dock behind another tab draws nothing
            self.redraw()

    # -- the model's events ----------------------------------------------------------------
    def _on_activation(self, sample: Any) -> None:
        if self._t0 is None:
            self._t0 = float(sample.t_s)
        self._t.append(float(sample.t_s) - self._t0)
        self._target.append(float(sample.target_pct))
        for name, pct in sample.watch_pct.items():
            if name not in self._watch:
                self._watch[name] = deque([np.nan] * (len(self._t) - 1), maxlen=MAX_POINTS)
            self._watch[name].append(float(pct))
        for values in self._watch.values():
            if len(values) < len(self._t):
                values.append(np.nan)

    def _on_set_started(self, exercise: Any) -> None:
        self._t0 = None  # a new set: its own time axis and traces
        self._t.clear()
        self._target.clear()
        self._watch.clear()
        for curve in self.watch_curves.values():
            self.plot.removeItem(curve)
        self.watch_curves.clear()
        session = self.model.exercise_session
        snap = session.snapshot() if session is not None else None
        if snap is not None:
            self.show_thresholds(Thresholds(tuple(snap.band_pct), snap.ceiling_pct))
        self.message.setText(f"{getattr(exercise, 'name', exercise)}: drag the band or the "
                             "ceiling, or type them; the running set follows.")

    def _on_feedback(self, event: Any) -> None:
        if event.kind == ev.THRESHOLDS_CHANGED:
            d = event.data
            self.show_thresholds(Thresholds(tuple(d["target_band_pct"]),
                                            float(d["spillover_ceiling_pct"])))

    # -- drawing ---------------------------------------------------------------------------
    def show_thresholds(self, thresholds: Thresholds) -> None:
        """Move the lines and boxes to ``thresholds`` (no change is sent)."""
        self.thresholds = thresholds
        self._updating = True
        self.band.setRegion(thresholds.target_band_pct)
        self.ceiling.setValue(thresholds.spillover_ceiling_pct)
        self.band_low.setValue(thresholds.target_band_pct[0])
        self.band_high.setValue(thresholds.target_band_pct[1])
        self.ceiling_box.setValue(thresholds.spillover_ceiling_pct)
        self._updating = False

    def redraw(self) -> None:
        if not self._t:
            return
        t = np.fromiter(self._t, float)
        keep = t >= t[-1] - WINDOW_S
        self.target_curve.setData(t[keep], np.fromiter(self._target, float)[keep])
        for k, (name, values) in enumerate(self._watch.items()):
            curve = self.watch_curves.get(name)
            if curve is None:
                curve = self.plot.plot(pen=pg.intColor(k + 3, 10), name=name)
                self.watch_curves[name] = curve
            curve.setData(t[keep], np.fromiter(values, float)[keep])

    # -- changes ---------------------------------------------------------------------------
    def _band_dragged(self) -> None:
        if not self._updating:
            lo, hi = self.band.getRegion()
            self.apply(Thresholds((round(lo, 1), round(hi, 1)),
                                  self.thresholds.spillover_ceiling_pct))

    def _ceiling_dragged(self) -> None:
        if not self._updating:
            self.apply(Thresholds(self.thresholds.target_band_pct,
                                  round(float(self.ceiling.value()), 1)))

    def _typed(self) -> None:
        if not self._updating:
            self.apply(Thresholds((self.band_low.value(), self.band_high.value()),
                                  self.ceiling_box.value()))

    def apply(self, thresholds: Thresholds) -> bool:
        """Send new thresholds to the running set; a bad value is refused by name."""
        try:
            check_thresholds(thresholds)
        except ValueError as exc:
            self.message.setText(f"Not applied: {exc}")
            self.show_thresholds(self.thresholds)  # the lines go back
            return False
        self.show_thresholds(thresholds)
        session = self.model.exercise_session
        if session is not None and session.running:
            session.set_thresholds(thresholds)
            lo, hi = thresholds.target_band_pct
            self.message.setText(f"Band {lo:g}-{hi:g} %, ceiling "
                                 f"{thresholds.spillover_ceiling_pct:g} %: applied to the set.")
        else:
            self.message.setText("No set is running: the values are kept for *Save into "
                                 "program*.")
        self.applied.emit(thresholds)
        return True

    def save_into_program(self) -> bool:
        """Store the band and ceiling in the patient's program (a new revision)."""
        from facetrainer.storage.program_editing import save_thresholds_in_program

        m = self.model
        exercise = getattr(m.exercise, "id", None)
        if m.database is None or m.program_id is None or exercise is None:
            self.message.setText("Not saved: choose the patient's program and start one of "
                                 "its exercises first.")
            return False
        try:
            pid, rev = save_thresholds_in_program(m.database, m.program_id, exercise,
                                                  self.thresholds, m.patient_code)
        except (ValueError, RuntimeError) as exc:
            self.message.setText(f"Not saved: {exc}")
            return False
        m.set_patient(m.patient_code, program_id=pid)
        self.message.setText(f"Saved into the program as revision {rev}.")
        return True

