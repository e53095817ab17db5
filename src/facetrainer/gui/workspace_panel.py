"""The therapist's workspace in the main window: menu actions that open its dialogs.

Installed like every panel (``install(window)``, listed in ``main_window.PANEL_MODULES``).
Each action opens a dialog that takes the window's database once it is open; the dialogs
themselves know nothing about the window.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction


def _with_database(window: Any, open_dialog: Any) -> None:
    """Run ``open_dialog(db)`` now, or say why the database is not there yet."""
    from facetrainer.gui.session_panel import database_holder

    holder = database_holder(window)
    if holder.db is not None:
        open_dialog(holder.db)
    elif holder.error:
        window.show_status(f"Database unavailable: {holder.error}")
    else:
        window.show_status("The database is still opening; try again in a moment.")


def open_bundle_dialog(window: Any) -> None:
    from facetrainer.gui.bundle_dialog import BundleDialog

    def show(db: Any) -> None:
        dialog = BundleDialog(db, window)
        holder = getattr(window, "_facetrainer_db_holder", None)
        if holder is not None:
            dialog.imported.connect(lambda _summary: holder.patients_changed.emit())
        dialog.show()
        window.extensions["bundle_dialog"] = dialog  # keep it alive while open

    _with_database(window, show)


def open_connect_dialog(window: Any, tab: str | None = None) -> None:
    """Connect EMG (``tab="serial"`` opens on the serial device's form): the chosen device
    replaces the window's EMG sources."""
    from facetrainer.gui.connect_dialog import SERIAL_TAB, ConnectEmgDialog

    dialog = ConnectEmgDialog(parent=window)
    if tab == "serial":
        dialog.tabs.setCurrentIndex(SERIAL_TAB)

    def apply(source: Any, settings: Any) -> None:
        _apply_emg(window, [source])
        window.show_status(f"EMG: {settings.describe()}")

    dialog.connected.connect(apply)
    dialog.show()
    window.extensions["connect_dialog"] = dialog


def _settings_store() -> Any:
    from PySide6.QtCore import QSettings

    return QSettings("FaceTrainer", "FaceTrainer")


def _apply_emg(window: Any, sources: list[Any]) -> None:
    model = getattr(window, "model", None)  # the live-session model, once it exists
    if model is not None and hasattr(model, "set_emg_sources"):
        model.set_emg_sources(sources)
    else:
        window.replace_emg_sources(sources)


def reconnect_emg(window: Any) -> None:
    """Rebuild the EMG device last connected (Connect EMG's remembered settings) and use it;
    without one, open Connect EMG."""
    from facetrainer.emg.source import EmgSourceError
    from facetrainer.gui.connection_memory import ConnectionMemory

    settings = ConnectionMemory(_settings_store()).last()
    if settings is None:
        open_connect_dialog(window)
        return
    try:
        source = settings.build_source()
    except EmgSourceError as exc:
        window.show_status(f"EMG not reconnected: {exc}")
        return
    _apply_emg(window, [source])
    window.show_status(f"EMG reconnected: {settings.describe()}")


def open_camera_picker(window: Any) -> None:
    """Camera picker: the chosen camera becomes the video source."""
    from facetrainer.capture.video_sources import CameraSource
    from facetrainer.gui.camera_picker import CameraPicker

    dialog = CameraPicker(window)

    def apply(index: int, name: str) -> None:
        model = getattr(window, "model", None)  # the live-session model, once it exists
        target = model if model is not None and hasattr(model, "set_video_source") else (
            window.pipeline)
        target.set_video_source(CameraSource(index))
        window.show_status(f"Video: {name} (camera {index})")

    dialog.chosen.connect(apply)
    dialog.show()
    window.extensions["camera_picker"] = dialog


def _emg_sources(window: Any) -> list[Any]:
    """The window's EMG sources (live-session model's streams, else the pipeline's)."""
    model = getattr(window, "model", None)
    if model is not None and hasattr(model, "emg_streams"):
        return [stream.source for stream in model.emg_streams]
    return list(getattr(getattr(window, "pipeline", None), "emg_sources", []))


def open_montage_editor(window: Any) -> None:
    """Montage editor: "Use for live EMG" names every EMG source's channels by it."""
    from facetrainer.emg.live import live_for
    from facetrainer.gui.montage_editor import MontageEditor

    sources = _emg_sources(window)
    n = next((s.info.n_channels for s in sources if s.info is not None), 4)
    dialog = MontageEditor(n_channels=min(n, 8), parent=window)

    def apply(montage: Any) -> None:
        model = getattr(window, "model", None)  # the live-session model, once it exists
        if model is not None and hasattr(model, "set_montage"):
            model.set_montage(montage)
        else:
            for source in _emg_sources(window):
                live_for(source).set_montage(montage)
        window.show_status(f"EMG montage: {montage.name}")

    dialog.applied.connect(apply)
    dialog.show()
    window.extensions["montage_editor"] = dialog


def open_program_editor(window: Any) -> None:
    """Program editor; a saved revision reloads the Session panel's program list."""
    from facetrainer.gui.program_editor import ProgramEditor

    def show(db: Any) -> None:
        dialog = ProgramEditor(db, parent=window)
        holder = getattr(window, "_facetrainer_db_holder", None)
        if holder is not None:
            dialog.saved.connect(lambda _pid, _rev: holder.patients_changed.emit())
        dialog.show()
        window.extensions["program_editor"] = dialog

    _with_database(window, show)


def open_clinician_view(window: Any) -> None:
    """The clinician view in its own window (patients, sessions, review, report)."""
    from facetrainer.gui.review.clinician_view import ClinicianView

    def show(db: Any) -> None:
        view = ClinicianView(db)
        holder = getattr(window, "_facetrainer_db_holder", None)
        if holder is not None:  # a bundle imported or a patient added: the table follows
            holder.patients_changed.connect(view.reload_patients)
        view.resize(1500, 900)
        view.show()
        window.extensions["clinician_view"] = view

    _with_database(window, show)


def _add(window: Any, menu: str, text: str, slot: Any) -> QAction:
    action = QAction(text, window)
    action.triggered.connect(lambda: slot(window))
    window.menu(menu).addAction(action)
    return action


def open_calibration_wizard(window: Any) -> None:
    """Calibration wizard on the live-session model (needs a montage on the EMG channels)."""
    from facetrainer.gui.calibration_wizard import CalibrationWizard

    model = getattr(window, "model", None)
    if model is None or not hasattr(model, "set_calibration"):
        window.show_status("Calibration needs the live session (this window has none).")
        return
    try:
        wizard = CalibrationWizard(model, parent=window)
    except ValueError as exc:  # no channel placed on a muscle
        window.show_status(f"Calibration: {exc} (Sources → Montage editor…)")
        return

    def done(calibration: Any, path: Any) -> None:
        saved = f", saved to {path}" if path else ""
        window.show_status(f"Calibration applied: {len(calibration.channels)} channels{saved}")

    wizard.finished_calibration.connect(done)
    wizard.show()
    window.extensions["calibration_wizard"] = wizard


def _place_marker(window: Any) -> None:
    from facetrainer.gui.marker_note import place_marker

    place_marker(window)


def install(window: Any) -> None:
    _add(window, "File", "Session bundles (export / import)…", open_bundle_dialog)
    _add(window, "Sources", "Connect EMG…", open_connect_dialog)
    _add(window, "Sources", "Reconnect EMG", reconnect_emg).setShortcut("Ctrl+Shift+R")
    _add(window, "Sources", "Choose camera…", open_camera_picker)
    _add(window, "Sources", "Montage editor…", open_montage_editor)
    _add(window, "Session", "Program editor…", open_program_editor)
    _add(window, "Session", "Calibration wizard…", open_calibration_wizard)
    from facetrainer.gui.marker_note import MARKER_SHORTCUT

    marker = _add(window, "Session", "Marker with note…", _place_marker)
    marker.setShortcut(MARKER_SHORTCUT)
    model = getattr(window, "model", None)
    if model is not None and hasattr(model, "events"):  # thresholds need the live session
        from facetrainer.gui.threshold_panel import ThresholdPanel

        window.extensions["threshold_panel"] = ThresholdPanel(model)
        window.add_dock("Thresholds", window.extensions["threshold_panel"])
    _add(window, "Reports", "Clinician view (patients, sessions, review)…", open_clinician_view)
