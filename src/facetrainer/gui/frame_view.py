"""A widget that shows the newest RGB frame, scaled to fit with its aspect ratio kept.

A frame that the worker threads already fitted to the view (``pipeline.screen_image``: its
size is the view's fitted size, 32-bit pixels) is blitted 1:1 with no scaling or format
conversion on the GUI thread; :attr:`on_resized` tells them the view's size in device
pixels. Any other frame (a still image, the first frame after a resize) is scaled here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from facetrainer import clock
from facetrainer.latency_log import LatencyLog


class FrameView(QWidget):
    """Paints an RGB uint8 image; shows ``placeholder`` text when there is none."""

    def __init__(self, placeholder: str = "No video", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._buffer: np.ndarray | None = None  # keeps the QImage's memory alive
        self.placeholder = placeholder
        self.caption = ""
        self.dead_reason = ""  # set while the source is not alive: the frame is greyed
        self.n_frames_painted = 0  # distinct frames that reached the screen (not just set)
        self._unpainted = False
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.latency = LatencyLog()  # capture -> paint of every frame shown (s)
        self._pending_capture_s: float | None = None
        # called with the view's size in device pixels (w, h) whenever it changes
        self.on_resized: Callable[[tuple[int, int]], None] | None = None
        self.n_frames_blitted = 0  # painted 1:1 (already fitted by a worker thread)

    def device_size(self) -> tuple[int, int]:
        """The view's size in device pixels (what a fitted frame is made for)."""
        dpr = self.devicePixelRatioF()
        return round(self.width() * dpr), round(self.height() * dpr)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.on_resized is not None:
            self.on_resized(self.device_size())

    def set_frame(self, rgb: np.ndarray | None, captured_s: float | None = None,
                  immediate: bool = False) -> None:
        """Show ``rgb`` (H, W, 3 RGB, or H, W, 4 B,G,R,255 from ``pipeline.screen_image``);
        with ``captured_s`` (its capture time on the app clock) the
        capture-to-screen delay is added to :attr:`latency` when it is painted. With
        ``immediate`` the view paints now instead of at the next update request, which a
        newer frame could overtake (the live view: every processed frame should be seen)."""
        self._pending_capture_s = captured_s if rgb is not None else None
        if rgb is None:
            self._image, self._buffer = None, None
        else:
            buf = np.ascontiguousarray(rgb)
            h, w = buf.shape[:2]
            if buf.ndim == 3 and buf.shape[2] == 4:
                self._image = QImage(buf.data, w, h, 4 * w, QImage.Format.Format_RGB32)
            else:
                self._image = QImage(buf.data, w, h, 3 * w, QImage.Format.Format_RGB888)
            self._buffer = buf
            self._unpainted = True
        if immediate and self.isVisible():
            self.repaint()
        else:
            self.update()

    def set_dead_reason(self, reason: str) -> None:
        """Grey the frame and say why (empty: the source is alive again)."""
        if reason != self.dead_reason:
            self.dead_reason = reason
            self.update()

    def has_frame(self) -> bool:
        return self._image is not None

    def _draw_text(self, p: QPainter, color: QColor, point_size: int, rect, flags,
                   text: str) -> None:
        """Bold text over the frame (a caption, or why the source is dead)."""
        p.setPen(color)
        f = QFont(self.font())
        f.setPointSize(point_size)
        f.setBold(True)
        p.setFont(f)
        p.drawText(rect, flags, text)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 26, 30))
        if self._image is None:
            p.setPen(QColor(200, 200, 200))
            f = QFont(self.font())
            f.setPointSize(14)
            p.setFont(f)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
        else:
            dpr = self.devicePixelRatioF()
            iw, ih = self._image.width() / dpr, self._image.height() / dpr
            scale = min(self.width() / iw, self.height() / ih)
            w, h = iw * scale, ih * scale
            target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
            if abs(w - iw) < 1.0 and abs(h - ih) < 1.0:  # fitted already: a plain copy
                self._image.setDevicePixelRatio(dpr)
                p.drawImage(QPointF(round(target.x()), round(target.y())), self._image)
                self.n_frames_blitted += int(self._unpainted)
            else:
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                p.drawImage(target, self._image)
            if self._unpainted:
                self._unpainted = False
                self.n_frames_painted += 1
            if self.dead_reason:  # the last frame stays only as a greyed memory
                p.fillRect(target, QColor(40, 40, 40, 190))
        if self.dead_reason:
            self._draw_text(p, QColor(255, 170, 120), 13, self.rect().adjusted(12, 12, -12, -12),
                            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                            f"Video {self.dead_reason}")
        elif self.caption:
            self._draw_text(p, QColor(255, 255, 255), 11, self.rect().adjusted(8, 6, -8, -6),
                            Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, self.caption)
        p.end()
        if self._pending_capture_s is not None:
            self.latency.add(clock.now() - self._pending_capture_s)
            self._pending_capture_s = None
