"""Whether the user can see a widget: views and panels draw nothing when not."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def on_screen(widget: QWidget) -> bool:
    """Shown, in a window that is not minimised, not collapsed to nothing, and not covered:
    a dock behind another dock's tab is still "visible" to Qt (``isVisible()`` is True),
    but its visible region is empty."""
    return (widget.isVisible() and not widget.window().isMinimized()
            and widget.width() > 1 and widget.height() > 1
            and not widget.visibleRegion().isEmpty())
