"""The patient mode's look: high contrast, large type, calm colours (one place to change it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

CUE_PT = 28  # the issue asks for >= 24 pt cues
TITLE_PT = 26
TEXT_PT = 18
SMALL_PT = 14
BACKGROUND = "#0f1216"
FOREGROUND = "#f5f5f0"
ACCENT = "#5ac878"
WARNING_BG = "#8a1c14"

STYLE_SHEET = f"""
QWidget {{ background: {BACKGROUND}; color: {FOREGROUND}; }}
QPushButton {{ background: #263040; color: {FOREGROUND}; border: 2px solid #8fa3bf;
               border-radius: 10px; padding: 10px 22px; font-size: {TEXT_PT}pt; }}
QPushButton:focus {{ border: 3px solid {ACCENT}; }}
QPushButton#start {{ background: #1f6b3a; font-size: {CUE_PT}pt; padding: 18px 60px; }}
QComboBox, QListWidget {{ background: #1b2129; font-size: {TEXT_PT}pt; padding: 6px; }}
QLabel#banner {{ background: {WARNING_BG}; color: white; padding: 8px; font-size: {TEXT_PT}pt; }}
QMenuBar, QMenu {{ background: #1b2129; font-size: {SMALL_PT}pt; }}
"""


def big_label(text: str = "", point_size: int = TEXT_PT, bold: bool = False) -> QLabel:
    """A label that wraps long text instead of widening its window."""
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSize(point_size)
    font.setBold(bold)
    label.setFont(font)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    # Ignored horizontally: a long message never raises the window's minimum width.
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(0)
    return label


def apply_style(widget: QWidget) -> None:
    widget.setStyleSheet(STYLE_SHEET)
