"""Montage editor: assign each EMG channel to a muscle and side by clicking its site.

The face diagram shows the Fridlund–Cacioppo electrode sites
(:mod:`facetrainer.emg.electrode_sites`) seen from the front (the subject's left on the
viewer's right). Select a channel, click a site: the channel sits there. A site already
used by another channel is refused with the field named, as the montage file's own
validation refuses it (:func:`facetrainer.emg.montage_file.build_montage`). Montages are
saved and loaded in the existing montage file format (TOML).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from facetrainer.emg.electrode_sites import SITES, site_positions
from facetrainer.emg.montage import Montage, MontageError, Placement, load_montage
from facetrainer.emg.montage_file import build_montage, save_montage
from facetrainer.exercises.anatomy import SIDES

SITE_RADIUS_PX = 9.0
UNUSED = "—"
CHANNEL_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
                   "#8c564b", "#e377c2")
PLACEMENT_LABELS = [UNUSED] + [f"{s.muscle}/{side}" for s in SITES for side in SIDES]


class FaceSiteDiagram(QWidget):
    """A front view of a face with clickable electrode sites."""

    site_clicked = Signal(object)  # Placement

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(360, 440)
        self.assigned: dict[Placement, str] = {}  # placement -> channel key
        self.highlight: Placement | None = None
        self.setMouseTracking(True)
        self._where = {s.muscle: s.where for s in SITES}

    def set_assignments(self, assigned: dict[Placement, str]) -> None:
        self.assigned = dict(assigned)
        self.update()

    def site_center(self, placement: Placement) -> QPointF:
        x, y = site_positions(self.width(), self.height())[placement]
        return QPointF(x, y)

    def site_at(self, point: QPointF) -> Placement | None:
        best, best_d = None, (2 * SITE_RADIUS_PX) ** 2
        for placement, (x, y) in site_positions(self.width(), self.height()).items():
            d = (x - point.x()) ** 2 + (y - point.y()) ** 2
            if d <= best_d:
                best, best_d = placement, d
        return best

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        placement = self.site_at(event.position())
        if placement != self.highlight:
            self.highlight = placement
            self.setToolTip(
                f"{placement.label}: {self._where[placement.muscle]}" if placement else ""
            )
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        placement = self.site_at(event.position())
        if placement is not None:
            self.site_clicked.emit(placement)

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt override
        w, h = float(self.width()), float(self.height())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#fbfaf7"))
        cx, half_w, top, face_h = w / 2, 0.40 * w, 0.08 * h, 0.75 * h
        p.setPen(QPen(QColor("#8a7f74"), 2))
        p.setBrush(QColor("#f3e3d3"))
        neck = QRectF(cx - 0.45 * half_w, top + 0.85 * face_h, 0.9 * half_w, 0.3 * face_h)
        p.drawRect(neck)
        p.drawEllipse(QRectF(cx - half_w, top - 0.05 * face_h, 2 * half_w, 1.08 * face_h))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for sign in (-1, 1):  # eyes, brows
            ex = cx + sign * 0.42 * half_w
            p.drawEllipse(QRectF(ex - 0.2 * half_w, top + 0.36 * face_h, 0.4 * half_w,
                                 0.07 * face_h))
            brow = QPainterPath(QPointF(ex - 0.24 * half_w, top + 0.31 * face_h))
            brow.quadTo(QPointF(ex, top + 0.25 * face_h),
                        QPointF(ex + 0.24 * half_w, top + 0.31 * face_h))
            p.drawPath(brow)
        nose = QPainterPath(QPointF(cx, top + 0.40 * face_h))
        nose.lineTo(QPointF(cx - 0.12 * half_w, top + 0.58 * face_h))
        nose.lineTo(QPointF(cx + 0.12 * half_w, top + 0.58 * face_h))
        p.drawPath(nose)
        mouth = QPainterPath(QPointF(cx - 0.3 * half_w, top + 0.80 * face_h))
        mouth.quadTo(QPointF(cx, top + 0.86 * face_h), QPointF(cx + 0.3 * half_w, top + 0.80 * face_h))
        p.drawPath(mouth)
        p.setPen(QColor("#6b625a"))
        p.drawText(QRectF(4, 4, w / 2, 18), "subject's right")
        p.drawText(QRectF(w / 2, 4, w / 2 - 4, 18), Qt.AlignmentFlag.AlignRight, "subject's left")
        font = QFont(p.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        keys = sorted(set(self.assigned.values()))
        for placement, (x, y) in site_positions(w, h).items():
            key = self.assigned.get(placement)
            if key is not None:
                colour = QColor(CHANNEL_COLOURS[keys.index(key) % len(CHANNEL_COLOURS)])
                p.setBrush(colour)
                p.setPen(QPen(colour.darker(150), 2))
            else:
                p.setBrush(QColor("#ffffff"))
                p.setPen(QPen(QColor("#5b7fa6"), 1.5))
            r = SITE_RADIUS_PX * (1.3 if placement == self.highlight else 1.0)
            p.drawEllipse(QPointF(x, y), r, r)
            if key is not None:
                p.setPen(QColor("#202020"))
                p.drawText(QPointF(x + r + 2, y + 4), key)
        p.end()


class MontageEditor(QDialog):
    """Edit, save, load and apply a montage; ``applied`` carries it to the live EMG."""

    applied = Signal(object)  # Montage
    saved = Signal(object)  # Path

    def __init__(self, n_channels: int = 4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Montage editor")
        layout = QHBoxLayout(self)
        self.diagram = FaceSiteDiagram()
        self.diagram.site_clicked.connect(self.assign_site)
        layout.addWidget(self.diagram, 1)
        side = QVBoxLayout()
        form = QFormLayout()
        self.name = QLineEdit("My montage")
        self.description = QLineEdit()
        self.count = QSpinBox()
        self.count.setRange(1, 32)
        form.addRow("Name", self.name)
        form.addRow("Description", self.description)
        form.addRow("Channels", self.count)
        side.addLayout(form)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Channel", "Muscle / side"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        side.addWidget(self.table, 1)
        self.hint = QLabel("Select a channel, then click its site on the face.")
        self.hint.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        side.addWidget(self.hint)
        side.addWidget(self.error)
        buttons = QHBoxLayout()
        self.load_button = QPushButton("Load…")
        self.save_button = QPushButton("Save…")
        self.apply_button = QPushButton("Use for live EMG")
        self.load_button.clicked.connect(self._choose_load)
        self.save_button.clicked.connect(self._choose_save)
        self.apply_button.clicked.connect(self.apply)
        for b in (self.load_button, self.save_button, self.apply_button):
            buttons.addWidget(b)
        side.addLayout(buttons)
        layout.addLayout(side, 1)
        self.count.valueChanged.connect(self.set_channel_count)
        self.count.setValue(n_channels)
        self.set_channel_count(n_channels)
        self.table.selectRow(0)

    # -- table ---------------------------------------------------------------------------
    def _combo(self, row: int) -> QComboBox:
        widget = self.table.cellWidget(row, 1)
        assert isinstance(widget, QComboBox)
        return widget

    def set_channel_count(self, n: int) -> None:
        old = self.table.rowCount()
        self.table.setRowCount(n)
        for row in range(old, n):
            label = QLabel(f"ch{row + 1}")
            label.setContentsMargins(6, 0, 6, 0)
            self.table.setCellWidget(row, 0, label)
            combo = QComboBox()
            combo.addItems(PLACEMENT_LABELS)
            combo.currentTextChanged.connect(lambda _t: self._refresh())
            self.table.setCellWidget(row, 1, combo)
        self._refresh()

    def channel_key(self, row: int) -> str:
        widget = self.table.cellWidget(row, 0)
        return widget.text() if isinstance(widget, QLabel) else f"ch{row + 1}"

    def assignments(self) -> dict[str, str | None]:
        """Channel key → ``"muscle/side"`` (None: the channel is not used)."""
        out: dict[str, str | None] = {}
        for row in range(self.table.rowCount()):
            text = self._combo(row).currentText()
            out[self.channel_key(row)] = None if text == UNUSED else text
        return out

    def _refresh(self) -> None:
        placed = {}
        for key, text in self.assignments().items():
            if text:
                muscle, side = text.split("/")
                placed.setdefault(Placement(muscle, side), key)
        self.diagram.set_assignments(placed)

    # -- editing -------------------------------------------------------------------------
    def assign_site(self, placement: Placement) -> bool:
        """Put the selected channel on ``placement``; refused when another channel is there."""
        row = self.table.currentRow()
        if row < 0:
            self.error.setText("Select a channel first, then click its site.")
            return False
        key = self.channel_key(row)
        for other, text in self.assignments().items():
            if text == placement.label and other != key:
                self.error.setText(
                    f"channels.{key}: {placement.label} is already on channel {other!r} "
                    "(one electrode per muscle and side)"
                )
                return False
        self._combo(row).setCurrentText(placement.label)
        self.error.setText("")
        if row + 1 < self.table.rowCount():
            self.table.selectRow(row + 1)
        return True

    def montage(self) -> Montage:
        """The montage as edited; :class:`MontageError` names the bad field."""
        return build_montage(self.name.text(), self.assignments(), self.description.text())

    def set_montage(self, montage: Montage) -> None:
        self.name.setText(montage.name)
        self.description.setText(montage.description)
        keys = list(montage.channels)
        self.count.setValue(max(1, len(keys)))
        self.set_channel_count(len(keys))
        for row, key in enumerate(keys):
            label = self.table.cellWidget(row, 0)
            if isinstance(label, QLabel):
                label.setText(key)
            self._combo(row).setCurrentText(montage.channels[key].label)
        self._refresh()

    # -- files and the live view ---------------------------------------------------------
    def load(self, path: Path | str) -> bool:
        try:
            self.set_montage(load_montage(Path(path)))
        except MontageError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        return True

    def save(self, path: Path | str, overwrite: bool = False) -> bool:
        try:
            written = save_montage(self.montage(), path, overwrite=overwrite)
        except MontageError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        self.hint.setText(f"Saved {written}")
        self.saved.emit(written)
        return True

    def apply(self) -> bool:
        try:
            montage = self.montage()
        except MontageError as exc:
            self.error.setText(str(exc))
            return False
        self.error.setText("")
        self.applied.emit(montage)
        return True

    def _choose_load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load montage", "", "Montage (*.toml)")
        if path:
            self.load(path)

    def _choose_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save montage", "montage.toml",
                                              "Montage (*.toml)")
        if path:
            self.save(path, overwrite=True)  # the save dialog asked before replacing
