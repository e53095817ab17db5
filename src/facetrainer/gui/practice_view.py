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
from typing import Any

import cv2
import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from facetrainer.exercises.cues import spoken_text
from facetrainer.exercises.practice import GUIDED, INTRO, PAUSED, SET_SUMMARY, WAITING_FOR_FACE
from facetrainer.exercises.practice_plan import REGION_WORDS, PracticeItem
from facetrainer.exercises.readout import readout_pct
from facetrainer.face.region_outlines import draw_regions
from facetrainer.gui.frame_view import FrameView
from facetrainer.gui.patient_style import CUE_PT, SMALL_PT, TEXT_PT, TITLE_PT, big_label

KEYS_HINT = "Space: pause or continue · →: next exercise · Esc: leave"
BAR_MAX_PCT = 150.0
ZONE, GOOD, OFF, OVER, TRACK = (QColor(60, 120, 80), QColor(90, 200, 120), QColor(235, 180, 60),
                                QColor(230, 60, 50), QColor(45, 52, 62))  # fmt: skip


class PatientBar(QWidget):
    """A large bar without numbers: the target's green zone (``kind="band"``) or a watch
    region's ceiling line (``kind="ceiling"``, the bar turns red past it). Its words sit
    above it (``label``), so the bar keeps the full width."""

    def __init__(self, text: str, kind: str = "band") -> None:
        super().__init__()
        self.kind = kind
        self.value = math.nan
        self.band = (40.0, 80.0)
        self.ceiling = 20.0
        self.label = big_label(text, SMALL_PT + 2)
        self.setMinimumHeight(34 if kind == "band" else 22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_value(self, value: float) -> None:
        self.value = value
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.fillRect(r, TRACK)

        def x_of(pct: float) -> float:
            return r.left() + r.width() * min(max(pct, 0.0), BAR_MAX_PCT) / BAR_MAX_PCT

        if self.kind == "band":
            lo, hi = self.band
            p.fillRect(QRectF(x_of(lo), r.top(), x_of(hi) - x_of(lo), r.height()), ZONE)
        if math.isfinite(self.value):
            v = self.value
            if self.kind == "band":
                colour = GOOD if self.band[0] <= v <= self.band[1] else OFF
            else:
                colour = OVER if v > self.ceiling else GOOD
            inner = r.adjusted(0, r.height() * 0.25, 0, -r.height() * 0.25)
            p.fillRect(
                QRectF(inner.left(), inner.top(), x_of(v) - inner.left(), inner.height()), colour
            )
        if self.kind == "ceiling":
            p.setPen(QPen(OVER, 3))
            x = x_of(self.ceiling)
            p.drawLine(int(x), int(r.top()), int(x), int(r.bottom()))
        p.end()


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
        self.target_bar = PatientBar("Your movement", "band")
        side.addWidget(self.target_bar.label)
        side.addWidget(self.target_bar)
        self.watch_box = QVBoxLayout()
        side.addLayout(self.watch_box)
        self.watch_bars: dict[str, PatientBar] = {}
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
        self.target_text = ""
        self.flags: list[str] = []  # readouts shown as flags instead of numbers (last frame)

    def show_item(self, item: PracticeItem | None) -> None:
        """Set up the bars for an exercise (its program band and ceiling)."""
        self.item = item
        for bar in self.watch_bars.values():
            for w in (bar.label, bar):
                self.watch_box.removeWidget(w)
                w.deleteLater()
        self.watch_bars = {}
        if item is None:
            return
        ex = item.exercise
        self.title.setText(ex.name)
        self.target_text = f"Your {ex.name.lower()}: into the green zone"
        self.target_bar.label.setText(self.target_text)
        self.target_bar.band = ex.thresholds.target_band_pct
        self.target_bar.set_value(math.nan)
        for region in ex.watch_regions if ex.scored else ():
            bar = PatientBar(f"Keep your {REGION_WORDS.get(region, region)} still", "ceiling")
            bar.ceiling = ex.thresholds.spillover_ceiling_pct
            self.watch_box.addWidget(bar.label)
            self.watch_box.addWidget(bar)
            self.watch_bars[region] = bar
        self.show_bars(False)

    def show_bars(self, visible: bool) -> None:
        """Bars only while a set runs (between sets there is nothing to measure)."""
        scored = self.item is not None and self.item.scored
        for bar in [self.target_bar, *self.watch_bars.values()]:
            bar.setVisible(visible and scored)
            bar.label.setVisible(visible and scored)

    def show_levels(self, target_pct: float, watch_pct: dict[str, float]) -> dict[str, bool]:
        """Clamped bars; returns which watch regions are past their ceiling."""
        self.flags = []
        r = readout_pct(target_pct)
        self.target_bar.set_value(r.value if r.ok else math.nan)
        text = self.target_text if r.ok else f"{self.target_text} — {r.flag}"
        if self.target_bar.label.text() != text:
            self.target_bar.label.setText(text)
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
        # cv2.flip is ~20x faster than copying numpy's reversed view of a 640x480 frame.
        self.face.set_frame(cv2.flip(rgb, 1))

    def show_banner(self, text: str) -> None:
        if text != self.banner.text():
            self.banner.setText(text)
        self.banner.setVisible(bool(text))


def cue_text(runner: Any, now_s: float) -> str:
    """The one big line of the practice screen for the runner's state and engine phase."""
    item = runner.item
    if item is None:
        return ""
    state = runner.state
    if state == INTRO:
        return f"{item.instructions}\n{item.cue}".strip()
    if state == GUIDED:
        return runner.guided_text(now_s)
    if state == PAUSED:
        return "Paused. Press Space to continue."
    if state == WAITING_FOR_FACE:
        return "Please look at the camera."
    if state == SET_SUMMARY:
        texts = runner.results[runner.index].set_texts
        return (texts[-1] if texts else "") + "\nRest now."
    if runner.phase in ("contract", "hold", "release"):
        return spoken_text(runner.phase, item.exercise.id, item.exercise.name)
    return "Rest your face and relax."
