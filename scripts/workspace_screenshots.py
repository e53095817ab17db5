"""Screenshots of the therapist workspace's dialogs for the README (docs/images/).

Run: QT_QPA_PLATFORM=offscreen PYTHONPATH=src python scripts/workspace_screenshots.py [NAME ...]
Each dialog is built on a throwaway database with a synthetic history, as in the tests.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"


def _database(folder: Path):  # noqa: ANN202
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.synthetic_history import record_synthetic_history

    db = open_database(f"sqlite:///{folder / 'shots.sqlite3'}")
    create_patient(db, "P014", "left", cause="Bell's palsy", onset_date="2025-11-03")
    create_patient(db, "P022", "right", cause="vestibular schwannoma surgery")
    record_synthetic_history(db, "P014", dt.date.today() - dt.timedelta(days=40), n_sessions=4,
                             days_between=10, duration_s=30.0)
    return db


def bundle_dialog(folder: Path) -> QWidget:
    from facetrainer.gui.bundle_dialog import BundleDialog

    db = _database(folder)
    dialog = BundleDialog(db)
    dialog.whole_history.setChecked(True)
    dialog.export_to(folder / "P014.ftbundle")
    return dialog


def _connect(folder: Path) -> QWidget:
    from PySide6.QtCore import QSettings

    from facetrainer.gui.connect_dialog import ConnectEmgDialog

    dialog = ConnectEmgDialog(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    dialog.resize(560, 640)
    return dialog


def connect_dialog(folder: Path) -> QWidget:
    from facetrainer.emg.connection import probe_connection

    dialog = _connect(folder)
    dialog._show_probe(probe_connection(dialog.settings()))  # the synthetic board, tested
    return dialog


def connect_dialog_failure(folder: Path) -> QWidget:
    from facetrainer.emg.connection import probe_connection

    dialog = _connect(folder)
    dialog.board.setCurrentIndex(
        next(i for i in range(dialog.board.count()) if "(CYTON_BOARD," in dialog.board.itemText(i))
    )
    dialog.bf_port.setEditText("/dev/ttyUSB0")
    try:
        probe_connection(dialog.settings())
    except Exception as exc:  # noqa: BLE001 - shown as the dialog shows it
        dialog._connect_after_probe = True
        dialog._show_probe(exc)
    return dialog


def connect_dialog_serial(folder: Path) -> QWidget:
    dialog = _connect(folder)
    dialog.tabs.setCurrentIndex(1)
    dialog.serial_port.setEditText("/dev/ttyACM0")
    dialog.n_channels.setValue(4)
    dialog.envelope.setChecked(True)
    return dialog


def camera_picker(folder: Path) -> QWidget:
    from facetrainer.gui.camera_picker import CameraPicker

    return CameraPicker()


def montage_editor(folder: Path) -> QWidget:
    from facetrainer.emg.montage import READY_MONTAGES_DIR
    from facetrainer.gui.montage_editor import MontageEditor

    editor = MontageEditor()
    editor.resize(860, 560)
    editor.load(READY_MONTAGES_DIR / "face_8ch.toml")
    editor.table.selectRow(7)
    return editor


def program_editor(folder: Path) -> QWidget:
    from facetrainer.gui.program_editor import ProgramEditor
    from facetrainer.storage.programs import builtin_programs

    editor = ProgramEditor(_database(folder))
    editor.patient.setCurrentText("P014")
    editor.load_spec(builtin_programs()[0])
    editor.name.setText("Home A")
    editor.add_exercise("open_smile")
    editor.table.selectRow(editor.table.rowCount() - 1)
    editor.table.cellWidget(editor.table.rowCount() - 1, 1).setValue(0)
    editor.save()  # refused: zero reps, the field is named
    editor.resize(1180, 620)
    return editor


def clinician_view(folder: Path) -> QWidget:
    from facetrainer.gui.review.clinician_view import ClinicianView
    from facetrainer.storage.markers import add_marker

    db = _database(folder)
    view = ClinicianView(db)
    view.resize(1600, 950)
    view.session_table.selectRow(1)
    session = view.open_session_row(1)
    assert session is not None
    add_marker(db, session.review.session_id, 13.0, "left eye narrows at the smile's peak")
    from facetrainer.capture.sample_faces import astronaut_portrait
    from facetrainer.storage.rep_clips import downscale, save_clip

    rep = session.review.reps[1]
    face = downscale(astronaut_portrait())
    save_clip(db, session.review.session_id, rep["exercise"], rep["rep_index"], rep["quality"],
              [face] * 20, fps=5.0)
    session = view.open_session_row(1)
    assert session is not None
    view.tabs.removeTab(0)
    session.go_to_rep(1)
    session.set_cursor(session.review.reps[1]["start_s"] + 1.5)
    return view


SHOTS: dict[str, Callable[[Path], QWidget]] = {
    "clinician_view": clinician_view,
    "program_editor": program_editor,
    "montage_editor": montage_editor,
    "bundle_dialog": bundle_dialog,
    "connect_dialog": connect_dialog,
    "connect_dialog_failure": connect_dialog_failure,
    "connect_dialog_serial": connect_dialog_serial,
    "camera_picker": camera_picker,
}


def main(names: list[str]) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    for name in names or list(SHOTS):
        with tempfile.TemporaryDirectory() as tmp:
            widget = SHOTS[name](Path(tmp))
            widget.show()
            for _ in range(20):
                app.processEvents()
            path = OUT / f"{name}.png"
            widget.grab().save(str(path))
            print(path)
            widget.close()
            widget.deleteLater()
            app.processEvents()
            db = getattr(widget, "db", None)
            if db is not None:
                db.close()


if __name__ == "__main__":
    main(sys.argv[1:])
