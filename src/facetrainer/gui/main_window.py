"""FaceTrainer's main window: live video, mirror-symmetry view, EMG traces, status.

The window owns no data: it is built with the headless
:class:`~facetrainer.live.session_model.LiveSessionModel` (``window.model``); a timer reads
the newest processed frame and the EMG rings from it and draws them. Feature panels (EMG,
mirror numbers, exercises, sessions, reports, demo) install themselves through
:meth:`MainWindow.add_dock`, :meth:`MainWindow.menu` and :meth:`MainWindow.register_panel`;
each is constructed with the part of the model it shows.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QWidget,
)

from facetrainer import DISCLAIMER, __version__
from facetrainer.app_log import warn
from facetrainer.capture.overlay import OverlayMode
from facetrainer.capture.video_sources import ImageSource, VideoFileSource
from facetrainer.emg.source import EmgSource
from facetrainer.gui.emg_view import EmgTraceView
from facetrainer.gui.frame_view import FrameView
from facetrainer.gui.on_screen import on_screen
from facetrainer.gui.patient_database import storage_config_from_namespace
from facetrainer.latency_log import LatencyLog
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.pipeline import Pipeline, ProcessedFrame
from facetrainer.source_status import SourceState

# Feature modules that add docks and menu actions: each exposes install(window).
PANEL_MODULES = (
    "facetrainer.gui.emg_panel",
    "facetrainer.gui.mirror_panel",
    "facetrainer.gui.exercise_panel",
    "facetrainer.gui.session_panel",
    "facetrainer.gui.report_panel",
    "facetrainer.gui.demo_panel",
    "facetrainer.gui.patient_launcher",
    "facetrainer.gui.lsl_panel",
    "facetrainer.gui.workspace_panel",
    "facetrainer.gui.log_panel",
    "facetrainer.gui.bids_action",
)

REDRAW_INTERVAL_MS = 16
DEFAULT_WIDTH_PX, DEFAULT_HEIGHT_PX = 1360, 760  # fits a 1366x768 screen
MAX_DOCK_MIN_WIDTH_PX = 480

# With deferred panels (see MainWindow): once frames are drawn, install them at the latest
# this long after start even when no face shows (a camera pointed elsewhere), and without
# any frame (no video) after DEFERRED_PANELS_NO_VIDEO_MS.
DEFERRED_PANELS_S = 8.0
DEFERRED_PANELS_NO_VIDEO_MS = 15000
MENU_NAMES = ("File", "Sources", "View", "Session", "Exercises", "Reports", "Help")


class MainWindow(QMainWindow):
    """The main window. ``pipeline`` must already be configured; the window starts it."""

    frame_drawn = Signal(int)  # index of the frame just drawn (tests and panels listen)
    _frame_ready = Signal()  # emitted on the processing thread, delivered on the GUI thread

    def __init__(self, model: LiveSessionModel | Pipeline,
                 app_args: argparse.Namespace | None = None,
                 demo_factory: Callable[[], tuple] | None = None,
                 defer_panels: bool = False) -> None:
        """``defer_panels``: install the feature panels (:data:`PANEL_MODULES`) only once
        the first frame with a face has been drawn (or :data:`DEFERRED_PANELS_S` after
        :meth:`start` without a face), so that their imports (storage and SQLAlchemy, reports, scipy)
        do not delay the first face on screen; the app does this, tests need not."""
        super().__init__()
        self.app_args = app_args or argparse.Namespace()
        if isinstance(model, Pipeline):  # an already built pipeline: adopt it in a model
            config = replace(storage_config_from_namespace(self.app_args), face_analysis=True)
            model = LiveSessionModel(config, pipeline=model)
        self.model = model
        self.panels: dict[str, QWidget] = {}  # name -> the panel's widget (register_panel)
        # Dialogs, windows and controllers that feature modules keep on the window (the open
        # connect dialog, patient mode's window, the LSL control…), by name: declared here so
        # that the window has no attributes a panel invented.
        self.extensions: dict[str, Any] = {}
        # The model's database as Qt signals, shared by panels: use
        # facetrainer.gui.patient_database.database_holder(window), which creates it.
        self._facetrainer_db_holder: QObject | None = None
        self._demo_factory = demo_factory
        self.setWindowTitle("FaceTrainer")
        # The default size fits the screen (a 1366x768 laptop included); the user's own
        # geometry is restored by the window memory when there is one.
        avail = self.screen().availableGeometry()
        self.resize(min(DEFAULT_WIDTH_PX, avail.width()), min(DEFAULT_HEIGHT_PX, avail.height()))
        self._menus: dict[str, QMenu] = {}
        for name in MENU_NAMES:
            self._menus[name] = self.menuBar().addMenu(f"&{name}")

        self.live_view = FrameView("Waiting for video…")
        self.mirror_view = FrameView("Mirror view: waiting for a face…")
        # the workers fit their images to the views (GUI thread: blit only)
        self.live_view.on_resized = lambda px: setattr(self.pipeline.settings, "live_view_px", px)
        self.mirror_view.on_resized = lambda px: setattr(
            self.pipeline.settings, "mirror_view_px", px)
        self.emg_view = EmgTraceView()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.live_view)
        splitter.addWidget(self.mirror_view)
        vsplit = QSplitter(Qt.Orientation.Vertical)
        vsplit.addWidget(splitter)
        vsplit.addWidget(self.emg_view)
        vsplit.setStretchFactor(0, 3)
        vsplit.setStretchFactor(1, 2)
        vsplit.setSizes([520, 320])
        self._vsplit = vsplit
        self.setCentralWidget(vsplit)

        self._status_sources = QLabel()
        # long source messages are cut, never widen the window (it must fit 1366x768)
        self._status_sources.setSizePolicy(QSizePolicy.Policy.Ignored,
                                           QSizePolicy.Policy.Preferred)
        self._status_perf = QLabel()
        self.statusBar().addWidget(self._status_sources, 1)
        self.statusBar().addPermanentWidget(self._status_perf)

        self._build_menus()
        self.panel_errors: dict[str, str] = {}
        self.panels_pending = defer_panels  # True until the deferred panels are installed
        if not defer_panels:
            self._install_panels()

        self._last_index = -1
        self._last_mirror_key: tuple[int, float] = (-1, -1.0)
        self._last_frame_ts = -1.0
        self._draw_times: list[float] = []
        self.n_frames_drawn = 0
        self._started_s = time.monotonic()  # set again by start()
        self.n_redraws = 0  # timer cycles (EMG traces are redrawn on every one)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self._redraw)
        # A processed frame wakes the GUI thread at once (queued across threads) instead of
        # waiting up to a timer period: the slack before the next frame is what lets every
        # frame reach the screen on a busy machine. The timer still redraws the rest.
        self._frame_ready.connect(self._draw_newest_frame, Qt.ConnectionType.QueuedConnection)
        self._frame_listener = self._on_processed_frame
        self.pipeline.processor.listeners.append(self._frame_listener)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(500)
        self._status_timer.timeout.connect(self._update_status)
        self._reported_failures: set[tuple[str, str]] = set()
        # A consumer (panel, recorder, stage) that raised: named once on the status bar.
        self.model.events.consumer_failed.connect(self._on_consumer_failed, thread="main")

    # -- public API for panels --------------------------------------------------------
    @property
    def pipeline(self) -> Pipeline:
        """The model's pipeline (panels that draw frames read ``pipeline.processor.latest``)."""
        return self.model.pipeline

    def register_panel(self, name: str, widget: QWidget) -> None:
        """Make a panel findable by name (``window.panels[name]``) instead of as an
        attribute: the window declares every attribute it has."""
        self.panels[name] = widget

    def menu(self, name: str) -> QMenu:
        if name not in self._menus:
            self._menus[name] = self.menuBar().addMenu(f"&{name}")
        return self._menus[name]

    def add_dock(self, title: str, widget: QWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        # A message that appears later never widens the window: the panel's minimum width is
        # fixed now (capped), so a longer text wraps or is clipped inside the dock instead of
        # pushing Start and the status bar off a small screen.
        widget.setMinimumWidth(min(widget.minimumSizeHint().width(), MAX_DOCK_MIN_WIDTH_PX))
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.menu("View").addAction(dock.toggleViewAction())
        return dock

    @property
    def emg_latency(self) -> LatencyLog:
        """Newest EMG sample -> traces updated, of the EMG view on screen (the EMG panel
        when installed, else the basic traces)."""
        shown = self._vsplit.widget(1)
        log = getattr(shown, "latency", None)
        return log if isinstance(log, LatencyLog) else self.emg_view.latency

    def set_emg_widget(self, widget: QWidget) -> None:
        """Put a richer EMG view (e.g. the EMG panel) where the basic traces are."""
        old = self._vsplit.widget(1)
        self._vsplit.replaceWidget(1, widget)
        if old is self.emg_view:
            self.emg_view.hide()
            self.emg_view.set_source(None)
        self._vsplit.setSizes([520, 320])

    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def window_fps(self) -> float:
        t = self._draw_times
        if len(t) < 2 or time.monotonic() - t[-1] > 1.0:
            return 0.0
        return (len(t) - 1) / (t[-1] - t[0])

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        self.model.start()
        self._select_emg_for_view()
        self._timer.start()
        self._status_timer.start()
        self._update_status()
        self._started_s = time.monotonic()
        if self.panels_pending:
            QTimer.singleShot(DEFERRED_PANELS_NO_VIDEO_MS, self.install_deferred_panels)

    def install_deferred_panels(self) -> None:
        """Install the panels a ``defer_panels`` window left out (once; else nothing)."""
        if not self.panels_pending:
            return
        self.panels_pending = False
        self._install_panels()
        self._select_emg_for_view()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._timer.stop()
        self._status_timer.stop()
        self.model.events.consumer_failed.disconnect(self._on_consumer_failed, missing_ok=True)
        if self._frame_listener in self.pipeline.processor.listeners:
            self.pipeline.processor.listeners.remove(self._frame_listener)
        self.model.stop()
        super().closeEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._timer.stop()  # hidden (e.g. patient mode is shown): draw nothing
        self.pipeline.mirror.set_wanted(False)
        self.pipeline.settings.live_view_px = None  # and no screen images for nobody
        super().hideEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._status_timer.isActive():  # started before and only hidden since
            self._timer.start()
        self.pipeline.settings.live_view_px = self.live_view.device_size()
        super().showEvent(event)

    def _on_consumer_failed(self, error: object) -> None:
        self.show_status(str(error), 30000)

    # -- drawing ----------------------------------------------------------------------
    def _on_processed_frame(self, _pf: ProcessedFrame) -> None:
        """Processing thread: tell the GUI thread that a new frame is there (no drawing here)."""
        self._frame_ready.emit()

    def _draw_newest_frame(self) -> None:
        if self._timer.isActive():  # started and shown
            self._draw_video(self.pipeline.processor.latest)

    def _draw_video(self, pf: ProcessedFrame | None) -> None:
        """Show ``pf`` in the live view unless it is already shown."""
        if pf is not None and (pf.frame.index != self._last_index
                               or pf.frame.timestamp_s != self._last_frame_ts):
            self._last_index, self._last_frame_ts = pf.frame.index, pf.frame.timestamp_s
            self.live_view.caption = "" if pf.face is not None else "No face found"
            # painted now: a newer frame must not overtake this one before the next paint
            image = pf.screen if pf.screen is not None else pf.display_rgb
            self.live_view.set_frame(image, captured_s=pf.frame.timestamp_s, immediate=True)
            self.n_frames_drawn += 1
            now = time.monotonic()
            self._draw_times = [*self._draw_times[-29:], now]
            self.frame_drawn.emit(pf.frame.index)
            if self.panels_pending and (
                    pf.face is not None or now - self._started_s > DEFERRED_PANELS_S):
                QTimer.singleShot(0, self.install_deferred_panels)  # after this paint

    def _redraw(self) -> None:
        self.n_redraws += 1
        pf = self.pipeline.processor.latest
        self._draw_video(pf)
        self._show_video_health(pf)
        mirror_shown = on_screen(self.mirror_view)
        self.pipeline.mirror.set_wanted(mirror_shown)  # a hidden composite costs nothing
        mf = self.pipeline.mirror.latest
        if mirror_shown and mf is not None and (mf.index, mf.timestamp_s) != self._last_mirror_key:
            self._last_mirror_key = (mf.index, mf.timestamp_s)
            self.mirror_view.set_frame(mf.screen if mf.screen is not None else mf.rgb)
        if self.emg_view.isVisible():  # replaced by the EMG panel: it draws nothing
            self.emg_view.refresh()

    def _show_video_health(self, pf: ProcessedFrame | None) -> None:
        """Grey the face views with the reason when the video source is not alive."""
        from facetrainer import clock
        from facetrainer.source_health import source_health

        src = self.pipeline.processor.source
        reason = ""
        if src is not None:
            newest = float(pf.frame.timestamp_s) if pf is not None else None
            reason = source_health(src.status, newest, clock.now()).reason
        self.live_view.set_dead_reason(reason)
        self.mirror_view.set_dead_reason(reason)

    def _select_emg_for_view(self) -> None:
        sources = self.pipeline.emg_sources
        self.emg_view.set_source(sources[0] if sources else None)

    def _update_status(self) -> None:
        parts = []
        for st in self.pipeline.statuses():
            text = f"{st.name}: {st.state.value}"
            if st.message and st.state == SourceState.STREAMING:
                text += f" ({st.message})"  # e.g. a serial device's skipped-line counts
            if st.message and st.state in (SourceState.FAILED, SourceState.DISCONNECTED):
                text += f" ({st.message})"
                key = (st.name, st.message)
                if key not in self._reported_failures:
                    self._reported_failures.add(key)
                    self.show_status(f"{st.name} failed: {st.message}", 15000)
            parts.append(text)
        emg = [s for s in self.pipeline.emg_sources if s.info is not None]
        rate = ", ".join(f"{s.info.fs_hz:g} Hz" for s in emg if s.info) or "—"
        proc = self.pipeline.processor
        self._status_sources.setText(" · ".join(parts) or "no sources")
        text = (
            f"video {proc.fps():4.1f} fps · {proc.mean_processing_ms():4.1f} ms/frame · "
            f"window {self.window_fps():4.1f} fps · EMG {rate}"
        )
        if self._latency_action.isChecked():
            text += " · " + self.latency_text()
        self._status_perf.setText(text)

    def latency_text(self) -> str:
        """Capture-to-screen delay of the video and the EMG traces (median and 95th
        percentile over the last ~100 s), for the status bar (View → Show latency)."""
        v50, v95 = self.live_view.latency.percentiles_ms((50.0, 95.0))
        e50, e95 = self.emg_latency.percentiles_ms((50.0, 95.0))
        return f"latency video {v50:.0f}/{v95:.0f} ms · EMG {e50:.0f}/{e95:.0f} ms (p50/p95)"

    # -- menus ------------------------------------------------------------------------
    def _build_menus(self) -> None:
        f = self.menu("File")
        act = f.addAction("Open video or image…", self._open_file_dialog)
        act.setShortcut(QKeySequence.StandardKey.Open)
        f.addAction("Save window screenshot…", self._save_screenshot_dialog)
        f.addSeparator()
        q = f.addAction("Quit", self.close)
        q.setShortcut(QKeySequence.StandardKey.Quit)

        self._latency_action = self.menu("View").addAction("Show latency")
        self._latency_action.setCheckable(True)
        self._latency_action.toggled.connect(lambda _on: self._update_status())

        s = self.menu("Sources")
        s.addAction("Camera…", self._choose_camera)
        s.addAction("Video or image file…", self._open_file_dialog)
        s.addAction("Virtual patient demo", self.use_demo)
        s.addSeparator()
        emg = s.addMenu("EMG source")
        emg.addAction("BrainFlow synthetic board", lambda: self.set_emg_spec("synthetic"))
        emg.addAction("Recording playback (BrainFlow, OpenBCI GUI, CSV, EDF/BDF)…",
                      self._choose_playback)
        emg.addAction("BrainFlow board…", self._choose_board)
        emg.addAction("Serial device…", self._choose_serial)
        emg.addAction("None", lambda: self.set_emg_spec("none"))

        v = self.menu("View")
        overlay = v.addMenu("Landmark overlay")
        group = QActionGroup(self)
        for mode, label in ((OverlayMode.MESH, "Full mesh"), (OverlayMode.CONTOURS, "Key contours"),
                            (OverlayMode.OFF, "Off")):
            a = QAction(label, self, checkable=True)
            a.setChecked(self.pipeline.settings.overlay == mode)
            a.triggered.connect(lambda _=False, m=mode: self.set_overlay(m))
            group.addAction(a)
            overlay.addAction(a)
        self._overlay_actions = group
        mirror = QAction("Mirror the live view", self, checkable=True)
        mirror.setChecked(self.pipeline.settings.mirrored)
        mirror.toggled.connect(lambda on: setattr(self.pipeline.settings, "mirrored", on))
        v.addAction(mirror)
        side = v.addMenu("Mirror composite: keep the subject's")
        sgroup = QActionGroup(self)
        for name in ("left", "right"):
            a = QAction(f"{name} half", self, checkable=True)
            a.setChecked(self.pipeline.settings.composite_side == name)
            a.triggered.connect(lambda _=False, n=name: self.set_composite_side(n))
            sgroup.addAction(a)
            side.addAction(a)
        midline = QAction("Draw the midline", self, checkable=True)
        midline.setChecked(self.pipeline.settings.draw_midline)
        midline.toggled.connect(lambda on: setattr(self.pipeline.settings, "draw_midline", on))
        v.addAction(midline)
        v.addSeparator()

        h = self.menu("Help")
        h.addAction("About FaceTrainer", self._about)

    def set_overlay(self, mode: OverlayMode) -> None:
        self.pipeline.settings.overlay = OverlayMode(mode)
        for a in self._overlay_actions.actions():
            a.setChecked(a.text().lower().startswith({"mesh": "full", "contours": "key",
                                                       "off": "off"}[mode.value]))

    def set_composite_side(self, side: str) -> None:
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        self.pipeline.settings.composite_side = side

    def about_text(self) -> str:
        return (f"<h3>FaceTrainer {__version__}</h3>"
                "<p>Biofeedback for facial neuromuscular retraining: live landmarks, a "
                "mirror-symmetry view, surface EMG and scored exercises.</p>"
                f"<p><b>{DISCLAIMER}</b></p>" + self._paths_html())

    def _paths_html(self) -> str:
        from html import escape

        from facetrainer.paths import user_paths

        args = self.app_args
        rows = user_paths(getattr(args, "data_dir", None), getattr(args, "db", None))
        return "<p>" + "<br>".join(
            f"{escape(what.capitalize())}: <code>{escape(where)}</code>"
            for what, where in rows.items()) + "</p>"

    def _about(self) -> None:
        QMessageBox.about(self, "About FaceTrainer", self.about_text())

    # -- source switching -------------------------------------------------------------
    def open_path(self, path: str | Path) -> None:
        """Open a video or image file as the video source (the status bar reports failures)."""
        p = Path(path)
        image_exts = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
        src = ImageSource(p) if p.suffix.lower() in image_exts else VideoFileSource(p, loop=True)
        self.model.set_video_source(src)
        self.show_status(f"Opening {p.name}…")

    def use_demo(self) -> None:
        if self._demo_factory is not None:  # a caller's own demo
            video, emg = self._demo_factory()
            self.model.set_video_source(video)
            self._replace_emg([emg] if emg is not None else [])
            return
        self.model.use_demo()
        self._select_emg_for_view()

    def set_emg_spec(self, spec: str) -> None:
        from facetrainer.emg.source import EmgSourceError
        from facetrainer.live.sources import emg_source

        if spec == "none":
            self._replace_emg([])
            return
        try:
            src = emg_source(spec, self.model.config.emg_options)
        except (EmgSourceError, ImportError) as exc:
            self.show_status(f"EMG source not started: {exc}", 15000)
            return
        self._replace_emg([src])

    def replace_emg_sources(self, sources: list[EmgSource]) -> None:
        """Stop the current EMG sources and stream from these instead (views follow)."""
        self._replace_emg(sources)

    def _replace_emg(self, sources: list[EmgSource]) -> None:
        self.model.set_emg_sources(sources)
        self._select_emg_for_view()

    def _open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open video or image", "",
            "Video or image (*.mp4 *.avi *.mov *.mkv *.webm *.png *.jpg *.jpeg *.bmp *.tif *.tiff)")
        if path:
            self.open_path(path)

    def _choose_camera(self) -> None:
        from facetrainer.gui.workspace_panel import open_camera_picker

        open_camera_picker(self)  # the cameras Qt sees, by name, with a preview

    def _choose_playback(self) -> None:
        from facetrainer.gui.playback_chooser import choose_playback

        choose_playback(self)  # any recording; asks for the board a BrainFlow file needs

    def _choose_board(self) -> None:
        from facetrainer.gui.workspace_panel import open_connect_dialog

        open_connect_dialog(self)  # boards by name, with the fields each one needs

    def _choose_serial(self) -> None:
        from facetrainer.gui.workspace_panel import open_connect_dialog

        open_connect_dialog(self, tab="serial")

    def _save_screenshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "facetrainer.png",
                                              "PNG (*.png)")
        if path:
            self.save_screenshot(path)

    def save_screenshot(self, path: str | Path) -> bool:
        """Save the window as PNG, whole or not at all, private (it shows a patient's face)."""
        from facetrainer.atomic_files import atomic_path

        image = self.grab()
        try:
            with atomic_path(path) as tmp:
                if not image.save(str(tmp), "PNG"):
                    raise OSError(f"Qt could not write {path}")
            ok = True
        except OSError:
            ok = False
        self.show_status(f"Screenshot saved to {path}" if ok else f"Could not save {path}")
        return ok

    # -- panels -----------------------------------------------------------------------
    def _arrange_docks(self) -> None:
        """All feature docks on the right, as tabs, the exercise panel in front."""
        docks = self.findChildren(QDockWidget)
        if not docks:
            return
        order = {"Exercise": 0, "Face measures": 1, "Session": 2, "Progress": 3}
        docks.sort(key=lambda d: order.get(d.objectName(), 10))
        first = docks[0]
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, first)
        for d in docks[1:]:
            if self.dockWidgetArea(d) != Qt.DockWidgetArea.LeftDockWidgetArea:
                self.tabifyDockWidget(first, d)
        first.raise_()
        self.resizeDocks([first], [440], Qt.Orientation.Horizontal)

    def _install_panels(self) -> None:
        self._install_panel_modules()
        self._arrange_docks()

    def _install_panel_modules(self) -> None:
        for name in PANEL_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                self.panel_errors[name] = str(exc)
                continue
            try:
                module.install(self)
            except Exception as exc:  # noqa: BLE001 - one broken panel must not kill the app
                self.panel_errors[name] = f"{type(exc).__name__}: {exc}"
                warn(f"facetrainer: panel {name} failed to load: {exc}", __name__)

