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
        window._bundle_dialog = dialog  # keep it alive while open

    _with_database(window, show)


def install(window: Any) -> None:
    action = QAction("Session bundles (export / import)…", window)
    action.triggered.connect(lambda: open_bundle_dialog(window))
    window.menu("File").addAction(action)
