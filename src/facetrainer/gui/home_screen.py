"""The patient's home screen, profile choice, weekly chart and day summary (widgets only).

They show what :mod:`facetrainer.home_practice` decides and emit what the patient asks
for; :class:`facetrainer.gui.patient_mode.PatientWindow` connects them.
"""

from __future__ import annotations

import datetime as dt
import math

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from facetrainer.gui.patient_style import CUE_PT, SMALL_PT, TEXT_PT, TITLE_PT, big_label

CHOOSE = "Choose your code…"


class ProfilePage(QWidget):
    """ "Who is practising?": the patient codes, none preselected (a recording must never land
    on the wrong patient); ``chosen(code)`` when confirmed."""

    chosen = Signal(str)

    def __init__(self, codes: list[str]) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(big_label("Who is practising today?", TITLE_PT, bold=True))
        self.combo = QComboBox()
        self.combo.addItem(CHOOSE)
        self.combo.addItems(codes)
        self.combo.setCurrentIndex(0)
        lay.addWidget(self.combo)
        self.confirm = QPushButton("This is me")
        self.confirm.setEnabled(False)
        self.combo.currentIndexChanged.connect(lambda i: self.confirm.setEnabled(i > 0))
        self.confirm.clicked.connect(lambda: self.chosen.emit(self.combo.currentText()))
        lay.addWidget(self.confirm, 0, Qt.AlignmentFlag.AlignLeft)
        self.hint = big_label(
            "" if codes else "No patient yet: your therapist sets up your code in therapist mode.",
            SMALL_PT,
        )
        lay.addWidget(self.hint)
        lay.addStretch(2)


class TrendChart(QWidget):
    """Daily values (0–100) of one measure over the last ``days`` days, as bars."""

    def __init__(self, title: str = "", days: int = 7) -> None:
        super().__init__()
        self.title, self.days = title, days
        self.values: list[tuple[dt.date, float]] = []
        self.today = dt.date.today()
        self.setMinimumSize(220, 130)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_values(self, title: str, values: list[tuple[dt.date, float]], days: int) -> None:
        self.title, self.values, self.days = title, values, days
        self.today = dt.datetime.now(dt.UTC).date()
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(27, 33, 41))
        font = QFont(self.font())
        font.setPointSize(SMALL_PT)
        p.setFont(font)
        p.setPen(QColor(245, 245, 240))
        title = f"{self.title[:1].upper()}{self.title[1:]} (%) — last {self.days} days"
        p.drawText(QRectF(8, 4, self.width() - 16, 24), Qt.AlignmentFlag.AlignLeft, title)
        area = QRectF(8, 56, self.width() - 16, self.height() - 64)
        p.setPen(QPen(QColor(90, 100, 115), 1))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        if not self.values:
            p.setPen(QColor(200, 200, 200))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "No practice recorded yet")
            p.end()
            return
        slot = area.width() / self.days
        first = self.today - dt.timedelta(days=self.days - 1)
        for day, value in self.values:
            k = (day - first).days
            if not 0 <= k < self.days or not math.isfinite(value):
                continue
            h = area.height() * min(max(value, 0.0), 100.0) / 100.0
            bar = QRectF(area.left() + k * slot + slot * 0.15, area.bottom() - h, slot * 0.7, h)
            p.fillRect(bar, QColor(90, 200, 120))
            if slot >= 28:  # room for the day's value above its bar
                p.setPen(QColor(245, 245, 240))
                p.drawText(QRectF(bar.left() - 6, bar.top() - 22, bar.width() + 12, 20),
                           Qt.AlignmentFlag.AlignCenter, f"{value:.0f}")  # fmt: skip
        p.end()


class ChartRow(QWidget):
    """One chart per exercise, side by side."""

    def __init__(self) -> None:
        super().__init__()
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.charts: list[TrendChart] = []

    def show_charts(self, series: list[tuple[str, list[tuple[dt.date, float]]]], days: int) -> None:
        while len(self.charts) < len(series):
            chart = TrendChart()
            self.charts.append(chart)
            self.row.addWidget(chart)
        for chart, (title, values) in zip(self.charts, series, strict=False):
            chart.set_values(title, values, days)
            chart.show()
        for chart in self.charts[len(series) :]:
            chart.hide()


class HomeScreen(QWidget):
    """The patient's code, today's program, one large Start button, this week's charts."""

    start_requested = Signal()
    open_program_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        self.greeting = big_label("", TITLE_PT, bold=True)
        lay.addWidget(self.greeting)
        self.program = big_label("", TEXT_PT)
        lay.addWidget(self.program)
        self.notices = big_label("", SMALL_PT)
        self.notices.setStyleSheet("color: #f0c070;")
        lay.addWidget(self.notices)
        row = QHBoxLayout()
        self.start = QPushButton("Start")
        self.start.setObjectName("start")
        self.start.setDefault(True)
        self.start.clicked.connect(self.start_requested)
        row.addWidget(self.start)
        self.open_program = QPushButton("Open program…")
        self.open_program.clicked.connect(self.open_program_requested)
        row.addWidget(self.open_program)
        row.addStretch(1)
        lay.addLayout(row)
        self.charts = ChartRow()
        lay.addWidget(self.charts, 1)
        self.hint = big_label("Space: start · Esc: leave · Ctrl+T: therapist mode", SMALL_PT)
        lay.addWidget(self.hint)

    def show_program(self, code: str, title: str, lines: list[str], notices: list[str]) -> None:
        self.greeting.setText(f"Hello, {code}")
        self.program.setText(title + ("\n" + "\n".join(lines) if lines else ""))
        self.notices.setText("\n".join(notices))
        self.notices.setVisible(bool(notices))
        self.start.setEnabled(bool(lines))


class DaySummaryPage(QWidget):
    """The day summary in plain words and the charts, with a way back home."""

    home_requested = Signal()
    days_changed = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        lay = QVBoxLayout(self)
        lay.addWidget(big_label("Today's practice is done. Well done!", CUE_PT, bold=True))
        self.lines = big_label("", TEXT_PT)
        lay.addWidget(self.lines)
        self.banner = big_label("", TEXT_PT)
        self.banner.setObjectName("banner")
        self.banner.hide()
        lay.addWidget(self.banner)
        self.charts = ChartRow()
        lay.addWidget(self.charts, 1)
        row = QHBoxLayout()
        self.week = QPushButton("7 days")
        self.month = QPushButton("30 days")
        self.week.clicked.connect(lambda: self.days_changed.emit(7))
        self.month.clicked.connect(lambda: self.days_changed.emit(30))
        self.home = QPushButton("Back to the home screen")
        self.home.clicked.connect(self.home_requested)
        for b in (self.week, self.month, self.home):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)

    def show_summary(self, lines: list[str], banner: str) -> None:
        self.lines.setText("\n".join(lines))
        self.banner.setText(banner)
        self.banner.setVisible(bool(banner))
