"""Lab Streaming Layer in the window: publish FaceTrainer's streams, read EMG from LSL.

Menu actions only (no dock): *Sources → Publish to Lab Streaming Layer* (a saved setting,
off by default; ``--lsl`` turns it on for one run) and *Sources → EMG source → Lab
Streaming Layer stream…* (lists the streams visible on this machine), and *Lab Streaming
Layer visible to* (the saved discovery scope). While publishing, the publisher follows the
window's live-session model (:meth:`facetrainer.lsl.outlet.LslPublisher.attach_model`: new
EMG sources, sets, engine events); a window without a model falls back to a timer calling
:meth:`~facetrainer.lsl.outlet.LslPublisher.attach`. The publishing itself happens on the
data threads and the publisher's sender thread, not here.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog, QMenu

from facetrainer.lsl.scope import SCOPES, LslError, LslSettings, configured_scope

log = logging.getLogger(__name__)

ATTACH_INTERVAL_MS = 500
SCOPE_LABELS = {
    "machine": "this computer only (default)",
    "link": "the local network segment (link)",
    "site": "the site's network (site)",
    "organization": "the organization's network",
    "global": "everywhere (global)",
}


class LslControl:
    """Owns the window's :class:`~facetrainer.lsl.outlet.LslPublisher` while publishing."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.settings = LslSettings.load()
        args = window.app_args
        scope = getattr(args, "lsl_scope", None)
        if scope and scope != self.settings.scope:
            self.settings.scope = scope
            self._save()
        self.publisher: Any = None
        self.action = QAction("Publish to Lab Streaming Layer", window, checkable=True)
        self.action.setToolTip(
            f"EMG, face measures and exercise markers as LSL streams "
            f"(visible to: {self.settings.scope})")
        self.action.toggled.connect(self.set_publishing)
        self._timer = QTimer(window)
        self._timer.setInterval(ATTACH_INTERVAL_MS)
        self._timer.timeout.connect(self.attach)
        if getattr(args, "lsl", False) or self.settings.publish:
            self.action.setChecked(True)  # calls set_publishing(True)

    def _save(self) -> None:
        try:
            self.settings.save()
        except OSError as exc:
            self.window.show_status(f"Could not save the LSL setting: {exc}")

    def set_publishing(self, on: bool) -> None:
        if on and self.publisher is None:
            from facetrainer.lsl.outlet import LslPublisher

            try:
                # liblsl keeps the scope it started with until FaceTrainer restarts
                self.publisher = LslPublisher(scope=configured_scope() or self.settings.scope)
            except LslError as exc:
                self.action.setChecked(False)
                self.window.show_status(f"LSL not started: {exc}", 15000)
                return
            model = getattr(self.window, "model", None)
            if model is not None and hasattr(model, "events"):
                self.publisher.attach_model(model)  # follows the model's events
            else:
                self.attach()
                self._timer.start()
            self.window.show_status(
                f"Publishing to Lab Streaming Layer (visible to: {self.settings.scope})")
        elif not on and self.publisher is not None:
            self._timer.stop()
            self.publisher.close()
            self.publisher = None
            self.window.show_status("Stopped publishing to Lab Streaming Layer")
        if on != self.settings.publish and not getattr(self.window.app_args, "lsl", False):
            self.settings.publish = on
            self._save()

    def attach(self) -> None:
        if self.publisher is None:
            return
        panel = getattr(self.window, "exercise_panel", None)
        session = getattr(panel, "session", None)
        self.publisher.attach(self.window.pipeline, session=session)

    def choose_stream(self) -> None:
        from facetrainer.emg.lsl_source import list_streams

        try:
            streams = list_streams(1.0)
        except LslError as exc:
            self.window.show_status(str(exc), 15000)
            return
        numeric = [s for s in streams if s["fs_hz"] > 0]
        if not numeric:
            self.window.show_status(
                f"No LSL stream with a fixed rate is visible (scope: {self.settings.scope})",
                15000)
            return
        items = [f"{s['name']}  ·  {s['type']}, {s['n_channels']} ch, {s['fs_hz']:g} Hz, "
                 f"{s['hostname']}" for s in numeric]
        item, ok = QInputDialog.getItem(self.window, "Lab Streaming Layer",
                                        "EMG stream:", items, 0, False)
        if ok and item:
            self.window.set_emg_spec(f"lsl:{numeric[items.index(item)]['name']}")

    def set_scope(self, scope: str) -> None:
        """Save who may discover FaceTrainer's streams; liblsl reads it at the next start."""
        if scope not in SCOPES or scope == self.settings.scope:
            return
        self.settings.scope = scope
        self._save()
        active = configured_scope()
        later = active is not None and active != scope
        self.window.show_status(
            f"LSL visible to: {SCOPE_LABELS[scope]}"
            + (" — takes effect when FaceTrainer is restarted" if later else ""), 15000)

    def scope_menu(self, parent: QMenu) -> QMenu:
        menu = parent.addMenu("Lab Streaming Layer visible to")
        group = QActionGroup(menu)
        for scope in SCOPES:
            action = QAction(SCOPE_LABELS[scope], menu, checkable=True)
            action.setChecked(scope == self.settings.scope)
            action.triggered.connect(lambda _=False, sc=scope: self.set_scope(sc))
            group.addAction(action)
            menu.addAction(action)
        self.scope_actions = group
        return menu

    def close(self) -> None:
        """Withdraw the streams (the window calls nothing here; tests and quit do)."""
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None


def install(window: Any) -> None:
    """Add the LSL actions to the Sources menu."""
    control = LslControl(window)
    sources = window.menu("Sources")
    emg_menu = next((a.menu() for a in sources.actions()
                     if isinstance(a.menu(), QMenu) and a.text() == "EMG source"), None)
    (emg_menu or sources).addAction("Lab Streaming Layer stream…", control.choose_stream)
    sources.addSeparator()
    sources.addAction(control.action)
    control.scope_menu(sources)
    window.extensions["lsl_control"] = control
