"""The practice screen of patient mode: one thing at a time, large and calm.

The mirrored live face (target region softly filled, watch regions outlined, red past their
ceiling), beside it the model clip of the patient's best rep (before and between sets), the
rep counter ("Rep 3 of 10"), the cue (≥ 24 pt), the target bar with its band, one ceiling
bar per watch region, the encouragement line, and a banner when something is wrong. No EMG
traces, no jargon, no number below 0 or beyond what makes sense (readouts are clamped and
flagged, :mod:`facetrainer.exercises.readout`).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from facetrainer.exercises.practice_plan import REGION_WORDS, PracticeItem
from facetrainer.exercises.readout import readout_pct
from facetrainer.face.region_outlines import draw_regions
from facetrainer.gui.frame_view import FrameView
from facetrainer.gui.level_bar import LevelBar
from facetrainer.gui.patient_style import CUE_PT, SMALL_PT, TEXT_PT, TITLE_PT, big_label

KEYS_HINT = "Space: pause or continue · →: next exercise · Esc: leave"


class PracticeView(QWidget):
    """Widgets of the practice screen; :meth:`show_levels` and :meth:`show_face` per frame."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # keys go to the window's shortcuts
        lay = QVBoxLayout(self)
        self.banner = big_label("", TEXT_PT)
        self.banner.setObjectName("banner")
        self.banner.hide()
        lay.addWidget(self.banner)
        self.title = big_label("", TITLE_PT, bold=True)
        lay.addWidget(self.title)
        row = QHBoxLayout()
        self.face = FrameView("Waiting for your face…")
        row.addWidget(self.face, 3)
        side = QVBoxLayout()
        self.model = FrameView("Your best repetition will show here")
        self.model.setMinimumSize(200, 150)
        side.addWidget(self.model, 2)
        self.counter = big_label("", CUE_PT, bold=True)
        side.addWidget(self.counter)
        self.cue = big_label("", CUE_PT)
        side.addWidget(self.cue)
        self.target_bar = LevelBar("Your movement", "band")
        self.target_bar.setMinimumHeight(48)
        side.addWidget(self.target_bar)
        self.watch_box = QVBoxLayout()
        side.addLayout(self.watch_box)
        self.watch_bars: dict[str, LevelBar] = {}
        side.addStretch(1)
        row.addLayout(side, 2)
        lay.addLayout(row, 1)
        self.encouragement = big_label("", TEXT_PT)
        lay.addWidget(self.encouragement)
        self.message = big_label("", TEXT_PT)
        self.message.setStyleSheet("color: #f0c070;")
        lay.addWidget(self.message)
        lay.addWidget(big_label(KEYS_HINT, SMALL_PT))
        self.item: PracticeItem | None = None
        self.flags: list[str] = []  # readouts shown as flags instead of numbers (last frame)

    def show_item(self, item: PracticeItem | None) -> None:
        """Set up the bars for an exercise (its program band and ceiling)."""
        self.item = item
        for bar in self.watch_bars.values():
            self.watch_box.removeWidget(bar)
            bar.deleteLater()
        self.watch_bars = {}
        if item is None:
            return
        ex = item.exercise
        self.title.setText(ex.name)
        self.target_bar.label = f"Your {ex.name.lower()}"
        self.target_bar.band = ex.thresholds.target_band_pct
        self.target_bar.set_value(math.nan)
        self.target_bar.setVisible(ex.scored)
        for region in ex.watch_regions if ex.scored else ():
            bar = LevelBar(f"Keep your {REGION_WORDS.get(region, region)} still", "ceiling")
            bar.ceiling = ex.thresholds.spillover_ceiling_pct
            self.watch_box.addWidget(bar)
            self.watch_bars[region] = bar

    def show_levels(self, target_pct: float, watch_pct: dict[str, float]) -> dict[str, bool]:
        """Clamped bars; returns which watch regions are past their ceiling."""
        self.flags = []
        r = readout_pct(target_pct)
        self.target_bar.set_value(r.value if r.ok else math.nan)
        base = self.target_bar.label.split(" — ")[0]
        self.target_bar.label = base if r.ok else f"{base} — {r.flag}"
        if not r.ok:
            self.flags.append(r.flag)
        over: dict[str, bool] = {}
        for region, bar in self.watch_bars.items():
            w = readout_pct(watch_pct.get(region, math.nan))
            bar.set_value(w.value if w.ok else math.nan)
            if not w.ok and math.isfinite(watch_pct.get(region, math.nan)):
                self.flags.append(w.flag)
            over[region] = w.ok and w.value > bar.ceiling
        return over

    def show_face(
        self, rgb: np.ndarray | None, points_xy: np.ndarray | None, over: dict[str, bool]
    ) -> None:
        """The live face, regions drawn on the unmirrored frame, then mirrored."""
        if rgb is None:
            self.face.set_frame(None)
            return
        item = self.item
        if item is not None and item.scored and points_xy is not None:
            ex = item.exercise
            watch = {w: over.get(w, False) for w in ex.watch_regions}
            rgb = draw_regions(rgb, points_xy, ex.target_regions, watch)
        self.face.set_frame(np.ascontiguousarray(rgb[:, ::-1]))

    def show_banner(self, text: str) -> None:
        if text != self.banner.text():
            self.banner.setText(text)
        self.banner.setVisible(bool(text))
