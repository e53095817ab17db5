"""A horizontal feedback bar: the target with its band, or a watch signal with its ceiling."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_MAX_PCT = 150.0
GREEN, AMBER, RED, GREY = (
    QColor(60, 170, 90),
    QColor(230, 160, 40),
    QColor(210, 60, 50),
    QColor(120, 120, 120),
)


class LevelBar(QWidget):
    """A horizontal bar 0–150 % with an optional band (green) or ceiling (red line)."""

    def __init__(self, label: str, kind: str = "band") -> None:
        super().__init__()
        self.label, self.kind = label, kind
        self.value = math.nan
        self.band = (40.0, 80.0)
        self.ceiling = 20.0
        self.setMinimumHeight(40 if kind == "band" else 22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_value(self, value: float) -> None:
        self.value = value
        self.update()

    def colour(self) -> QColor:
        v = self.value
        if not math.isfinite(v):
            return GREY
        if self.kind == "band":
            lo, hi = self.band
            return GREEN if lo <= v <= hi else AMBER
        return RED if v > self.ceiling else GREEN

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        w, h = self.width(), self.height()
        label_w = min(170 if self.kind == "band" else 140, w // 3)
        bar = QRectF(label_w, 3, w - label_w - 6, h - 6)
        p.setPen(self.palette().text().color())
        p.drawText(
            QRectF(0, 0, label_w - 6, h),
            int(Qt.AlignmentFlag.AlignVCenter) | int(Qt.TextFlag.TextWordWrap),
            self.label,
        )
        p.fillRect(bar, QColor(235, 235, 235))

        def x_of(pct: float) -> float:
            return bar.left() + bar.width() * max(0.0, min(pct, BAR_MAX_PCT)) / BAR_MAX_PCT

        if self.kind == "band":
            lo, hi = self.band
            p.fillRect(
                QRectF(x_of(lo), bar.top(), x_of(hi) - x_of(lo), bar.height()),
                QColor(190, 230, 195),
            )
        if math.isfinite(self.value):
            p.fillRect(
                QRectF(
                    bar.left(),
                    bar.top() + bar.height() * 0.25,
                    x_of(self.value) - bar.left(),
                    bar.height() * 0.5,
                ),
                self.colour(),
            )
        if self.kind == "ceiling":
            p.setPen(QPen(RED, 2))
            x = x_of(self.ceiling)
            p.drawLine(int(x), int(bar.top()), int(x), int(bar.bottom()))
        if math.isfinite(self.value):
            p.setPen(self.palette().text().color())
            p.drawText(
                bar.adjusted(0, 0, -4, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                f"{max(self.value, 0.0):.0f} %",
            )
        p.end()
