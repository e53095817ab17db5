"""Screenshots of the therapist workspace's dialogs for the README (docs/images/).

Run: QT_QPA_PLATFORM=offscreen PYTHONPATH=src python scripts/workspace_screenshots.py [NAME ...]
Each dialog is built on a throwaway database with a synthetic history, as in the tests.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication, QWidget

from facetrainer.emg.source import EmgSource, EmgStreamInfo

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


class Scripted(EmgSource):  # noqa: D101 - noise at levels the script sets
    def __init__(self) -> None:
        super().__init__("scripted")
        self.levels = np.full(4, 3.0)
        self._rng, self._t0, self._sent = np.random.default_rng(0), 0.0, 0

    def _open(self) -> EmgStreamInfo:
        self._t0 = time.monotonic()
        return EmgStreamInfo(1000.0, ("ch1", "ch2", "ch3", "ch4"))

    def _read_chunk(self) -> np.ndarray:
        due = int((time.monotonic() - self._t0) * 1000)
        n, self._sent = due - self._sent, due
        return self._rng.normal(0.0, 1.0, (4, n)) * self.levels[:, None]



def _scripted_model(folder: Path, labels: dict[str, str]):  # noqa: ANN202
    import time

    from facetrainer.emg.montage_file import build_montage
    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources

    source = Scripted()
    model = LiveSessionModel(
        SessionConfig(video=VideoChoice("none"), face_analysis=False, affected_side="left",
                      data_dir=folder, patient_code="P014"),
        sources=BuiltSources(None, [source]))
    model.set_montage(build_montage("scripted", labels))
    model.start()
    time.sleep(2.5)
    return model, source


def threshold_panel(folder: Path) -> QWidget:
    """The Thresholds dock during an open-smile set, the band just dragged to 30-60 %."""
    import time

    from facetrainer.exercises.library import Thresholds
    from facetrainer.gui.event_loop import prepare_application
    from facetrainer.gui.threshold_panel import ThresholdPanel

    app = QApplication.instance()
    prepare_application(app)
    model, source = _scripted_model(folder, {
        "ch1": "zygomaticus_major/left", "ch2": "zygomaticus_major/right",
        "ch3": "orbicularis_oculi/left", "ch4": "orbicularis_oculi/right"})
    panel = ThresholdPanel(model)
    panel.resize(760, 420)
    panel.show()
    model.start_set("open_smile", cued=False)
    t_end = time.monotonic() + 14.0
    while time.monotonic() < t_end:
        phase = (t_end - time.monotonic()) % 6.0
        source.levels[:] = [60, 120, 30, 6] if phase < 3.0 else [3, 3, 3, 3]
        app.processEvents()
        time.sleep(0.02)
    panel.apply(Thresholds((30.0, 60.0), 25.0))
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    panel._shot_model = model
    return panel


def calibration_wizard(folder: Path) -> QWidget:
    """The wizard on a live-session model fed by scripted noise; the smile step failed."""
    import time

    from facetrainer.gui.calibration_wizard import CalibrationWizard

    app = QApplication.instance()
    model, source = _scripted_model(folder, {
        "ch1": "frontalis/left", "ch2": "frontalis/right", "ch3": "zygomaticus_major/left",
        "ch4": "zygomaticus_major/right"})
    wizard = CalibrationWizard(model, step_s=1.0, folder=folder)

    def run(levels: list[float]) -> None:
        source.levels[:] = levels
        time.sleep(0.4)
        n = len(wizard.results)
        wizard.record()
        while len(wizard.results) == n or wizard._timer.isActive():
            app.processEvents()
            time.sleep(0.02)

    run([3, 3, 3, 3])
    wizard.next_step()
    run([30, 30, 3, 3])
    wizard.next_step()
    run([3, 3, 25, 3])  # the healthy side did not smile: redo
    wizard._shot_model = model  # stopped by the caller's cleanup below
    return wizard


def calibration_wizard_virtual_patient(folder: Path) -> QWidget:
    """The wizard on the virtual patient (face and EMG), who performs each step on cue;
    shown after the smile: EMG µV and face mm per side, the paretic side noted."""
    from facetrainer.gui.calibration_wizard import CalibrationWizard
    from facetrainer.live.config import SessionConfig
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources
    from facetrainer.simulation.cued_performer import cued_patient

    app = QApplication.instance()
    patient = cued_patient("synkinesis_left", seed=3)
    config = SessionConfig(face_analysis=True, affected_side="left", data_dir=folder / "data",
                           patient_code="P021")
    model = LiveSessionModel(config, sources=BuiltSources(patient.video, [patient.emg]))
    model.start()
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline and not (
        model.pipeline.processor.latest is not None
        and model.pipeline.processor.latest.face is not None
        and model.emg_streams[0].states()
    ):
        app.processEvents()
        time.sleep(0.05)
    time.sleep(1.0)
    wizard = CalibrationWizard(model, step_s=2.5, folder=folder)
    wizard.recording_started.connect(
        lambda step: patient.perform(step.exercise, 2.5) if step.exercise else None)
    while True:
        n = len(wizard.results)
        wizard.record()
        while len(wizard.results) == n or wizard._timer.isActive():
            app.processEvents()
            time.sleep(0.02)
        patient.relax()
        if wizard.step.muscle == "zygomaticus_major" or not wizard.results[wizard.index].ok:
            break
        time.sleep(0.6)
        wizard.next_step()
    wizard._shot_model = model  # stopped by the caller's cleanup below
    return wizard


SHOTS: dict[str, Callable[[Path], QWidget]] = {
    "calibration_wizard_virtual_patient": calibration_wizard_virtual_patient,
    "threshold_panel": threshold_panel,
    "calibration_wizard": calibration_wizard,
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
            model = getattr(widget, "_shot_model", None)
            if model is not None:
                model.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
