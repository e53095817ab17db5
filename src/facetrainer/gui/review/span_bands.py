"""Shaded time spans over a plot's full height (the reps in a session review)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter


class SpanBands(pg.GraphicsObject):
    """Shaded time spans (the reps) over a plot's full height, drawn as one item.

    One item per plot instead of a LinearRegionItem per rep: a 30-minute session has
    ~180 reps, and hundreds of region items made opening and scrolling slow.
    """

    def __init__(self, spans: list[tuple[float, float]], brush: Any) -> None:
        super().__init__()
        self.spans = np.array(spans, dtype=np.float64).reshape(-1, 2)
        self.brush = pg.mkBrush(brush)
        self.setZValue(-10)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        rect = self.viewRect()
        return QRectF() if rect is None else QRectF(rect)

    def viewRangeChanged(self) -> None:  # noqa: N802 - pyqtgraph hook
        self.prepareGeometryChange()
        self.update()

    def paint(self, painter: QPainter, *_args: Any) -> None:
        rect = self.viewRect()
        if rect is None or not len(self.spans):
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.brush)
        visible = (self.spans[:, 1] >= rect.left()) & (self.spans[:, 0] <= rect.right())
        for a, b in self.spans[visible]:
            painter.drawRect(QRectF(a, rect.top(), b - a, rect.height()))
