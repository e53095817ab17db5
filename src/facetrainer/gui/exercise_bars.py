"""The exercise panel's bars: the target with its green band, and one bar per watched signal
with its ceiling (red line). Draws an engine snapshot; no logic of its own."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from facetrainer.anatomy import signal_of_muscle
from facetrainer.exercises.engine import EngineSnapshot
from facetrainer.exercises.library import Exercise
from facetrainer.gui.level_bar import LevelBar


class ExerciseBars(QWidget):
    """Target bar and watch bars of one exercise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target_bar = LevelBar("Target", "band")
        self.watch_caption = QLabel("Keep these still (red line: ceiling):")
        self.watch_bars: dict[str, LevelBar] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.target_bar)
        self._layout.addWidget(self.watch_caption)

    def show_exercise(self, ex: Exercise, watch: list[str] | None = None,
                      target_label: str | None = None) -> None:
        """Bars for ``ex``: its watched signals (default: from the exercise file) and band."""
        for bar in self.watch_bars.values():
            self._layout.removeWidget(bar)
            bar.deleteLater()
        self.watch_bars = {}
        if ex.scored:
            if watch is None:
                watch = list(dict.fromkeys(
                    [*ex.watch_regions, *(signal_of_muscle(m) for m in ex.watch_muscles)]))
            for name in watch:
                bar = LevelBar(name.replace("_", " "), "ceiling")
                bar.ceiling = ex.thresholds.spillover_ceiling_pct
                self.watch_bars[name] = bar
                self._layout.addWidget(bar)
        self.target_bar.band = ex.thresholds.target_band_pct
        if target_label is not None:
            self.target_bar.label = target_label
        self.target_bar.setVisible(ex.scored)
        self.watch_caption.setVisible(bool(self.watch_bars))
        self.target_bar.update()

    def draw(self, snap: EngineSnapshot) -> None:
        """The newest activations (% of reference), band and ceiling."""
        self.target_bar.band = snap.band_pct
        self.target_bar.set_value(snap.target_pct)
        for name, bar in self.watch_bars.items():
            bar.ceiling = snap.ceiling_pct
            bar.set_value(snap.watch_pct.get(name, math.nan))
