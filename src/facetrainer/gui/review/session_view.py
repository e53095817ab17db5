"""One recorded session reviewed: EMG, measures and activation over time, reps, markers.

Traces are drawn peak-decimated and clipped to the view (pyqtgraph's
``setDownsampling(method="peak")`` and ``setClipToView``), so a 30-minute, 8-channel 1 kHz
session opens and scrolls without drawing 14 million points. All plots share the time
axis; the mouse zooms (wheel) and scrolls (drag). A cursor (the yellow line, dragged or
played) shows what happened at that moment: the frame's measures, the rep it falls in
(selected in the table) and the nearest marker. The data comes from
:func:`facetrainer.storage.session_review.load_session_review`.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from facetrainer.gui.review.span_bands import SpanBands
from facetrainer.storage.database import Database
from facetrainer.storage.markers import add_marker, set_marker_note
from facetrainer.storage.rep_clips import load_clip_frames
from facetrainer.storage.session_review import (
    ACTIVATION_PHASE_NAME,
    ACTIVATION_PREFIX,
    MEASURE_PREFIX,
    SessionReview,
)

PICTURE_HEIGHT_PX = 180
PLAY_STEP_MS = 40  # cursor replay: 25 steps a second, in real time
REP_BRUSH = (80, 170, 90, 45)
MARKER_PEN = pg.mkPen((230, 120, 30), width=1, style=Qt.PenStyle.DashLine)
CURSOR_PEN = pg.mkPen((250, 210, 40), width=2)
SIDE_PENS = {"left": pg.mkPen((80, 160, 255), width=1), "right": pg.mkPen((255, 110, 90), width=1)}
REP_COLUMNS = ("exercise", "rep", "start s", "end s", "target %", "symmetry", "quality",
               "spillover")


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


class SessionView(QWidget):
    """Review of one session; ``cursor_moved`` carries the cursor's time (s)."""

    cursor_moved = Signal(float)
    envelope_ready = Signal(int)  # source index whose envelope was computed

    def __init__(self, review: SessionReview, db: Database | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review, self.db = review, db
        self.mode = "raw"
        self.source_index = 0
        self.plots: list[pg.PlotItem] = []
        self.emg_curves: list[pg.PlotDataItem] = []
        self.cursors: list[pg.InfiniteLine] = []
        self._syncing = False
        self._envelope_thread: threading.Thread | None = None
        self.envelope_ready.connect(self._envelope_done)  # before any test or panel listens
        layout = QVBoxLayout(self)
        r = review
        layout.addWidget(QLabel(
            f"<b>{r.patient_code}</b> — session {r.session_id}, "
            f"{r.started_at:%Y-%m-%d %H:%M} UTC, {r.kind}, {r.status}, "
            f"{r.duration_s / 60:.1f} min, {len(r.reps)} reps, {len(r.markers)} markers"))
        bar = QHBoxLayout()
        self.mode_box = QComboBox()
        self.mode_box.addItems(["raw", "envelope"])
        self.mode_box.currentTextChanged.connect(self.set_mode)
        self.measure_box = QComboBox()
        series = r.series(MEASURE_PREFIX)
        measures = sorted({k.rsplit("/", 1)[0] for k in series})
        self.measure_box.addItems(measures)
        if measures:  # start on the measure that moved most (the session's main movement)
            def spread(m: str) -> float:
                vals = [series[k] for k in (f"{m}/left", f"{m}/right") if k in series]
                return max((float(np.nanstd(v)) for v in vals if np.isfinite(v).any()),
                           default=0.0)
            self.measure_box.setCurrentText(max(measures, key=spread))
        self.measure_box.currentTextChanged.connect(self._draw_measure)
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._play)
        self.note = QLineEdit()
        self.note.setPlaceholderText("note for a marker at the cursor")
        self.mark_button = QPushButton("Add marker")
        self.mark_button.clicked.connect(lambda: self.add_marker_at_cursor(self.note.text()))
        self.mark_button.setEnabled(db is not None)
        for w in (QLabel("EMG"), self.mode_box, QLabel("Measure"), self.measure_box,
                  self.play_button, self.note, self.mark_button):
            bar.addWidget(w)
        layout.addLayout(bar)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.graphs = pg.GraphicsLayoutWidget()
        split.addWidget(self.graphs)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        self.picture = QLabel()
        self.picture.setFixedHeight(PICTURE_HEIGHT_PX)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture_caption = QLabel()
        self.photo_box = QComboBox()  # the nearest visit's assessment photos
        if r.assessment is not None:
            self.photo_box.addItems([e for e, _png, _m in r.assessment.photos])
        self.photo_box.setVisible(self.photo_box.count() > 0)
        self.photo_box.currentIndexChanged.connect(lambda _i: self._show_picture(self.cursor_s))
        self._clip_frames: dict[int, list[np.ndarray]] = {}
        for w in (self.picture, self.picture_caption, self.photo_box):
            side_layout.addWidget(w)
        self.readout = QLabel("Drag the yellow cursor, or press Play.")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        side_layout.addWidget(self.readout)
        self.rep_table = QTableWidget(len(r.reps), len(REP_COLUMNS))
        self.rep_table.setHorizontalHeaderLabels(REP_COLUMNS)
        self.rep_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.rep_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.rep_table.cellClicked.connect(lambda row, _c: self.go_to_rep(row))
        side_layout.addWidget(self.rep_table, 2)
        self.marker_table = QTableWidget(0, 2)
        self.marker_table.setHorizontalHeaderLabels(["t s", "note (editable)"])
        self.marker_table.horizontalHeader().setStretchLastSection(True)
        self.marker_table.cellClicked.connect(
            lambda row, _c: self.set_cursor(self.review.markers[row].t_s))
        self.marker_table.itemChanged.connect(self._note_edited)
        side_layout.addWidget(self.marker_table, 1)
        split.addWidget(side)
        split.setSizes([900, 420])
        layout.addWidget(split, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_STEP_MS)
        self._timer.timeout.connect(lambda: self.set_cursor(self.cursor_s + PLAY_STEP_MS / 1000))
        self._build_plots()
        self._fill_tables()
        self.set_cursor(0.0)

    # -- plots -------------------------------------------------------------------------
    def _new_plot(self, label: str, row: int) -> pg.PlotItem:
        plot = self.graphs.addPlot(row=row, col=0)
        plot.setLabel("left", label)
        plot.showGrid(x=True, y=False, alpha=0.2)
        plot.setMouseEnabled(x=True, y=False)
        if self.plots:
            plot.setXLink(self.plots[0])
        spans = [(r["start_s"], r["end_s"]) for r in self.review.reps]
        plot.addItem(SpanBands(spans, REP_BRUSH), ignoreBounds=True)
        for m in self.review.markers:
            line = pg.InfiniteLine(m.t_s, pen=MARKER_PEN,
                                   label=(m.note or "marker") if not self.plots else None,
                                   labelOpts={"position": 0.9, "color": (230, 120, 30)})
            plot.addItem(line)
        cursor = pg.InfiniteLine(0.0, movable=True, pen=CURSOR_PEN)
        cursor.sigPositionChanged.connect(self._cursor_dragged)
        plot.addItem(cursor)
        self.cursors.append(cursor)
        self.plots.append(plot)
        return plot

    def _build_plots(self) -> None:
        row = 0
        if self.review.emg:
            rec = self.review.emg[self.source_index]
            for ch, label in enumerate(self.review.channel_labels(self.source_index)):
                plot = self._new_plot(label, row)
                curve = plot.plot(rec.times_s, rec.data_uv[ch], pen=pg.mkPen((200, 200, 200)))
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                self.emg_curves.append(curve)
                row += 1
        self.measure_plot = self._new_plot("measure", row)
        self.measure_plot.addLegend(offset=(10, 5))
        self._draw_measure(self.measure_box.currentText())
        activation = {k: v for k, v in self.review.series(ACTIVATION_PREFIX).items()
                      if k != ACTIVATION_PHASE_NAME}  # a phase code, not a percentage
        if activation:
            plot = self._new_plot("activation %", row + 1)
            for k, (name, values) in enumerate(sorted(activation.items())[:8]):
                c = plot.plot(self.review.frames.times_s, values, pen=pg.intColor(k, 8), name=name)
                c.setDownsampling(auto=True, method="peak")
                c.setClipToView(True)
        for plot in self.plots[:-1]:  # one time axis, at the bottom
            plot.hideAxis("bottom")
        self.plots[-1].setLabel("bottom", "time", units="s")
        end = max(self.review.duration_s, float(self.review.frames.times_s[-1])
                  if self.review.frames.times_s.size else 0.0)
        self.plots[0].setXRange(0.0, max(end, 1.0), padding=0.01)

    def _draw_measure(self, measure: str) -> None:
        for item in list(self.measure_plot.listDataItems()):
            self.measure_plot.removeItem(item)
        series = self.review.series(MEASURE_PREFIX)
        for side, pen in SIDE_PENS.items():
            values = series.get(f"{measure}/{side}")
            if values is not None:
                c = self.measure_plot.plot(self.review.frames.times_s, values, pen=pen, name=side)
                c.setDownsampling(auto=True, method="peak")
                c.setClipToView(True)
        self.measure_plot.setLabel("left", measure or "measure")

    def set_mode(self, mode: str) -> None:
        """Show the raw EMG or its envelope.

        The envelope of a long session takes seconds to compute: it runs on a worker thread
        (``envelope_ready`` when done) while the raw traces stay on screen.
        """
        if not self.review.emg or mode == self.mode:
            return
        self.mode = mode
        if self.mode_box.currentText() != mode:
            self.mode_box.setCurrentText(mode)
        if mode == "envelope" and self.source_index not in self.review._envelopes:
            self.readout.setText("Computing the envelope of the whole session…")
            self.mode_box.setEnabled(False)
            self.compute_envelope_in_background()
            return
        self._show_emg()

    def compute_envelope_in_background(self) -> None:
        """Start computing the envelope (once); ``envelope_ready`` follows."""
        if self._envelope_thread is not None or not self.review.emg:
            return
        index = self.source_index

        def work() -> None:
            self.review.envelope(index)
            try:
                self.envelope_ready.emit(index)
            except RuntimeError:  # the view was closed meanwhile
                pass

        self._envelope_thread = threading.Thread(target=work, name="review-envelope",
                                                 daemon=True)
        self._envelope_thread.start()

    def _envelope_done(self, index: int) -> None:
        self.mode_box.setEnabled(True)
        if index == self.source_index:
            self._show_emg()
            self.set_cursor(self.cursor_s)

    def _show_emg(self) -> None:
        rec = self.review.emg[self.source_index]
        data = self.review.envelope(self.source_index) if self.mode == "envelope" else rec.data_uv
        for ch, curve in enumerate(self.emg_curves):
            curve.setData(rec.times_s, data[ch])

    # -- cursor ------------------------------------------------------------------------
    @property
    def cursor_s(self) -> float:
        return float(self.cursors[0].value()) if self.cursors else 0.0

    def _cursor_dragged(self, line: pg.InfiniteLine) -> None:
        if not self._syncing:
            self.set_cursor(float(line.value()))

    def set_cursor(self, t_s: float) -> None:
        """Move the cursor (all plots) and show what happened at ``t_s``."""
        t_s = float(np.clip(t_s, 0.0, max(self.review.duration_s, 0.0)))
        self._syncing = True
        for c in self.cursors:
            c.setValue(t_s)
        self._syncing = False
        if self._timer.isActive() and t_s >= self.review.duration_s:
            self.play_button.setChecked(False)
        rep = self.review.rep_at(t_s)
        lines = [f"t = {t_s:.2f} s"]
        if rep is not None:
            r = self.review.reps[rep]
            lines.append(f"rep {r['rep_index'] + 1} of {r['exercise']}: quality "
                         f"{_fmt(r.get('quality'))}, target {_fmt(r.get('target'), 1)} %")
            self.rep_table.selectRow(rep)
        else:
            self.rep_table.clearSelection()
        measure = self.measure_box.currentText()
        for side in ("left", "right"):
            v = self.review.values_at(t_s).get(f"{measure}/{side}")
            if v is not None:
                lines.append(f"{measure} {side}: {_fmt(v)}")
        near = [m for m in self.review.markers if abs(m.t_s - t_s) < 1.0]
        lines += [f"marker at {m.t_s:.1f} s: {m.note or '(no note)'}" for m in near]
        self.readout.setText("\n".join(lines))
        self._show_picture(t_s)
        self.cursor_moved.emit(t_s)

    def _show_picture(self, t_s: float) -> None:
        """The best-rep clip's frame at the cursor, else the chosen assessment photo."""
        hit = self.review.clip_at(t_s) if self.db is not None else None
        image: QImage | None = None
        if hit is not None:
            clip, index = hit
            if clip.id not in self._clip_frames:
                try:
                    self._clip_frames[clip.id] = load_clip_frames(self.db, clip.id)  # type: ignore[arg-type]
                except (ValueError, RuntimeError) as exc:
                    self._clip_frames[clip.id] = []
                    self.picture_caption.setText(f"clip not readable: {exc}")
            frames = self._clip_frames[clip.id]
            if frames:
                rgb = np.ascontiguousarray(frames[min(index, len(frames) - 1)])
                h, w = rgb.shape[:2]
                image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
                self.picture_caption.setText(
                    f"best-rep clip: {clip.exercise} rep {clip.rep_index + 1}, "
                    f"frame {index + 1} of {clip.n_frames}")
        elif self.review.assessment is not None and self.photo_box.count():
            a = self.review.assessment
            expression, png, _m = a.photos[self.photo_box.currentIndex()]
            image = QImage.fromData(png)
            self.picture_caption.setText(f"assessment of {a.taken_at:%Y-%m-%d}: {expression}")
        else:
            self.picture_caption.setText("no video stored for this moment")
        self.picture.setPixmap(QPixmap() if image is None else QPixmap.fromImage(image).scaled(
            self.picture.width() or 320, PICTURE_HEIGHT_PX, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))

    def go_to_rep(self, index: int) -> None:
        """Put the cursor on a rep's start and zoom to it with a little context."""
        r = self.review.reps[index]
        span = max(r["end_s"] - r["start_s"], 0.5)
        self.plots[0].setXRange(r["start_s"] - span, r["end_s"] + span, padding=0)
        self.set_cursor(r["start_s"])

    def _play(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            self._timer.start()
        else:
            self._timer.stop()

    # -- tables and markers ------------------------------------------------------------
    def _fill_tables(self) -> None:
        for row, r in enumerate(self.review.reps):
            spill = ", ".join(f"{k} {_fmt(v, 1)}" for k, v in (r.get("spillover") or {}).items())
            values = (r["exercise"], r["rep_index"] + 1, r["start_s"], r["end_s"],
                      r.get("target"), r.get("symmetry"), r.get("quality"), spill)
            for col, v in enumerate(values):
                self.rep_table.setItem(row, col, QTableWidgetItem(
                    _fmt(v, 1 if col in (2, 3, 4) else 2) if not isinstance(v, str) else v))
        self.marker_table.blockSignals(True)
        self.marker_table.setRowCount(len(self.review.markers))
        for row, m in enumerate(self.review.markers):
            t = QTableWidgetItem(f"{m.t_s:.1f}")
            t.setFlags(t.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.marker_table.setItem(row, 0, t)
            self.marker_table.setItem(row, 1, QTableWidgetItem(m.note))
        self.marker_table.blockSignals(False)

    def _note_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != 1 or self.db is None:
            return
        m = self.review.markers[item.row()]
        try:
            self.review.markers[item.row()] = set_marker_note(self.db, m.event_id, item.text())
        except (ValueError, RuntimeError) as exc:
            self.readout.setText(f"Note not saved: {exc}")

    def add_marker_at_cursor(self, note: str = "") -> bool:
        """Store a marker with a note at the cursor; it appears in the list and plots."""
        if self.db is None:
            return False
        try:
            m = add_marker(self.db, self.review.session_id, self.cursor_s, note)
        except (ValueError, RuntimeError) as exc:
            self.readout.setText(f"Marker not saved: {exc}")
            return False
        self.review.markers = sorted([*self.review.markers, m], key=lambda x: x.t_s)
        for plot in self.plots:
            plot.addItem(pg.InfiniteLine(m.t_s, pen=MARKER_PEN))
        self._fill_tables()
        self.note.clear()
        self.readout.setText(f"Marker saved at {m.t_s:.2f} s" + (f": {m.note}" if m.note else ""))
        return True
