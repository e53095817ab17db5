"""Mirror panel: the live face measures (mm per side, difference, ratio), rest calibration,
movement symmetry and PFN%, and the mirror view's overlay choices.

A ``PANEL_MODULES`` module: :func:`install` adds the "Face measures" dock and a
Session ▸ "Calibrate neutral face" action. The panel only reads the newest processed frame's
``results["measures"]`` on a timer; the measuring happens in the core's
:class:`~facetrainer.face.live.FaceAnalysisStage` on the processing thread.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from facetrainer.face.calibration import REGION_MEASURES
from facetrainer.face.live import FaceAnalysisStage, ensure_face_analysis_stage
from facetrainer.face.measures import MEASURE_NAMES, FaceMeasures
from facetrainer.face.mirror_composite import tint_colour
from facetrainer.gui.on_screen import on_screen

REFRESH_MS = 200
CALIBRATION_S = 3.0
LABELS = {  # all in mm except the angle
    "brow_height_mm": "Brow height",
    "palpebral_fissure_mm": "Eye opening",
    "palpebral_fissure_mesh_mm": "Eye opening (mesh)",
    "commissure_excursion_mm": "Corner excursion",
    "commissure_height_mm": "Corner height",
    "upper_lip_height_mm": "Upper lip height",
    "lower_lip_height_mm": "Lower lip height",
    "smile_angle_deg": "Smile angle (°)",
}
REJECTION_TEXT = {
    "no_face": "No face in view",
    "head_pose": "Head turned too far: face the camera",
    "face_too_small": "Face too small for millimetres: come closer",
}


def _fmt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _set_cell(
    table: QTableWidget, row: int, col: int, text: str, tint: tuple[int, int, int] | None = None
) -> None:
    """Show ``text`` in a cell, reusing its item and touching it only when the text or the
    tint changed (a new item per cell and refresh kept the GUI thread busy)."""
    item = table.item(row, col)
    if item is None:
        item = QTableWidgetItem()
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(row, col, item)
    if item.text() != text:
        item.setText(text)
    if tint is not None and item.data(Qt.ItemDataRole.UserRole) != tint:
        item.setBackground(QColor(*tint))
        item.setData(Qt.ItemDataRole.UserRole, tint)


class MirrorPanel(QWidget):
    """The dock's widget. ``settings`` is the pipeline's ViewSettings (plain attributes)."""

    def __init__(
        self,
        stage: FaceAnalysisStage,
        settings: Any,
        latest: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.stage = stage
        self.settings = settings
        self._latest = latest  # callable returning the newest ProcessedFrame (or None)
        self.status = QLabel("Waiting for a face…")
        self.status.setWordWrap(True)
        self.table = QTableWidget(len(MEASURE_NAMES), 4)
        self.table.setHorizontalHeaderLabels(["Left mm", "Right mm", "L − R", "Ratio"])
        self.table.setVerticalHeaderLabels([LABELS[n] for n in MEASURE_NAMES])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.movement = QTableWidget(len(REGION_MEASURES), 3)
        self.movement.setHorizontalHeaderLabels(["Left (mm)", "Right (mm)", "Symmetry"])
        self.movement.setVerticalHeaderLabels([r.replace("_", " ") for r in REGION_MEASURES])
        self.movement.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for t in (self.table, self.movement):
            t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setMinimumWidth(430)
        self.pfn = QLabel("PFN: calibrate the rest face first")
        self.calibrate_button = QPushButton(f"Calibrate rest face ({CALIBRATION_S:g} s)")
        self.calibrate_button.clicked.connect(self.start_calibration)
        self.healthy_side = QComboBox()
        self.healthy_side.addItems(["left", "right"])
        self.healthy_side.setCurrentText(getattr(settings, "composite_side", "left"))
        self.healthy_side.currentTextChanged.connect(self.set_healthy_side)
        self.contours = QCheckBox("Other side's contours")
        self.contours.setChecked(bool(getattr(settings, "mirror_contours", True)))
        self.contours.toggled.connect(lambda on: setattr(self.settings, "mirror_contours", on))
        self.tint = QCheckBox("Tint by asymmetry")
        self.tint.setChecked(bool(getattr(settings, "mirror_tint", True)))
        self.tint.toggled.connect(lambda on: setattr(self.settings, "mirror_tint", on))

        side_row = QHBoxLayout()
        side_row.addWidget(QLabel("Healthy side (subject's):"))
        side_row.addWidget(self.healthy_side)
        opts = QHBoxLayout()
        opts.addWidget(self.contours)
        opts.addWidget(self.tint)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 3)
        layout.addLayout(side_row)
        layout.addLayout(opts)
        layout.addWidget(self.calibrate_button)
        layout.addWidget(self.movement, 2)
        layout.addWidget(self.pfn)
        self.set_healthy_side(self.healthy_side.currentText())

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    # -- actions ---------------------------------------------------------------------
    def start_calibration(self) -> None:
        self.stage.start_calibration(CALIBRATION_S)
        self.calibrate_button.setEnabled(False)
        self.calibrate_button.setText("Calibrating: relax your face…")

    def set_healthy_side(self, side: str) -> None:
        """The kept half of the mirror view; the other side is the affected one."""
        self.settings.composite_side = side
        self.stage.affected_side = "right" if side == "left" else "left"

    # -- drawing ---------------------------------------------------------------------
    def _tick(self) -> None:
        if on_screen(self):  # a dock behind another tab draws nothing
            self.refresh()

    def refresh(self) -> None:
        pf = self._latest() if self._latest is not None else None
        m = pf.results.get("measures") if pf is not None else None
        if not self.stage.calibrating and not self.calibrate_button.isEnabled():
            self.calibrate_button.setEnabled(True)
            self.calibrate_button.setText(f"Recalibrate rest face ({CALIBRATION_S:g} s)")
            if self.stage.last_error:
                self.status.setText(self.stage.last_error)
        if isinstance(m, FaceMeasures):
            self.show_measures(m)

    def show_measures(self, m: FaceMeasures) -> None:
        """Fill the tables from one frame's measures."""
        if m.rejected is not None:
            self.status.setText(REJECTION_TEXT.get(m.rejected, m.rejected))
            return
        pose = m.head_pose_deg
        self.status.setText(
            f"Scale {_fmt(m.scale_mm_per_px, 3)} mm/px · yaw {_fmt(pose.yaw if pose else None)}°"
            f" pitch {_fmt(pose.pitch if pose else None)}° roll {_fmt(pose.roll if pose else None)}°"
        )
        metrics, asym = m.metrics, m.asymmetry
        for row, name in enumerate(MEASURE_NAMES):
            a = asym.get(name, {})
            cells = [
                metrics.get(name, {}).get("left"),
                metrics.get(name, {}).get("right"),
                a.get("difference"),
                a.get("ratio"),
            ]
            for col, v in enumerate(cells):
                tint = None
                if col == 3 and v is not None and math.isfinite(v):
                    tint = tint_colour((1.0 - v) / 0.3)
                _set_cell(self.table, row, col, _fmt(v, 2 if col == 3 else 1), tint)
        if m.excursions is None:
            return
        symmetry = m.symmetry or {}
        for row, region in enumerate(REGION_MEASURES):
            ex = m.excursions.get(region, {})
            s = symmetry.get(region)
            for col, v in enumerate((ex.get("left"), ex.get("right"), s)):
                _set_cell(self.movement, row, col, _fmt(v, 2 if col == 2 else 1))
        if m.pfn_percent:
            self.pfn.setText(
                "Eye narrowing PFN: left {} %, right {} %".format(
                    _fmt(m.pfn_percent.get("left")), _fmt(m.pfn_percent.get("right"))
                )
            )


def install(window: Any) -> None:
    """Add the "Face measures" dock and the calibration action to the main window."""
    processor = window.pipeline.processor
    stage = ensure_face_analysis_stage(processor)
    panel = MirrorPanel(stage, window.pipeline.settings, lambda: processor.latest)
    window.add_dock("Face measures", panel)
    action = QAction(f"Calibrate neutral face ({CALIBRATION_S:g} s)", window)
    action.triggered.connect(panel.start_calibration)
    window.menu("Session").addAction(action)
    window.register_panel("mirror", panel)
