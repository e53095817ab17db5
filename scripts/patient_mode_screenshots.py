"""Screenshots of patient mode for the README (docs/images/patient_*.png).

Run: QT_QPA_PLATFORM=offscreen PYTHONPATH=src python scripts/patient_mode_screenshots.py
A throwaway database holds one patient with a prescribed program and a week of earlier
practice (synthetic daily values, for the chart); the live face is the virtual patient
doing closed-lip smiles through the real pipeline (tracked, regions drawn), and the sets
are scored by the virtual patient's set runner. The window is 1366 × 768.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
SIZE = (1366, 768)


def _database(folder: Path):  # noqa: ANN202
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.programs import ProgramItem, ProgramSpec, save_program
    from facetrainer.storage.schema import Patient, Rep, Session

    db = open_database(f"sqlite:///{folder / 'shots.sqlite3'}")
    create_patient(db, "P014", "left", cause="Bell's palsy")
    band = {"target_min": 0.2, "target_max": 0.6, "spillover_max": 0.2}
    spec = ProgramSpec("Home programme, week 6", 3, [
        ProgramItem("closed_smile", reps=3, hold_s=3.0, rest_s=5.0, thresholds=band,
                    cue="Think of someone you love walking into the room."),
        ProgramItem("pucker", reps=2, hold_s=3.0, rest_s=5.0, thresholds=band),
    ])  # fmt: skip
    save_program(db, spec, "P014")
    today = dt.datetime.now(dt.UTC).date()
    with db.session() as s:
        pid = s.query(Patient.id).filter(Patient.code == "P014").scalar()
        for days_ago in range(6, 0, -1):
            started = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(9), dt.UTC)
            sess = Session(patient_id=pid, status="complete", started_at=started)
            s.add(sess)
            s.flush()
            for ex, base in (("closed_smile", 0.55), ("pucker", 0.7)):
                for k in range(3):
                    s.add(Rep(session_id=sess.id, exercise=ex, rep_index=k, start_s=k, end_s=k + 1,
                              symmetry=base + 0.03 * (6 - days_ago), quality=60.0 + 3 * k))  # fmt: skip
    return db


def main() -> int:
    from facetrainer.face.live import FaceAnalysisStage
    from facetrainer.gui.patient_mode import PatientWindow
    from facetrainer.gui.patient_settings import AppSettings
    from facetrainer.pipeline import Pipeline
    from facetrainer.simulation.demo import create_demo_sources
    from facetrainer.simulation.practice_patient import VirtualSetRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="ft-patient-shots-"))
    db = _database(folder)
    video, _ = create_demo_sources(program=["closed_smile"], reps=3)
    pipeline = Pipeline()
    pipeline.set_video_source(video)
    pipeline.processor.stages.append(FaceAnalysisStage())
    pipeline.start()
    settings = AppSettings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    settings.patient_code = "P014"
    runner = VirtualSetRunner(speed=3.0)
    win = PatientWindow(db, settings, lambda: runner, pipeline=pipeline, intro_s=3.0)
    win.resize(*SIZE)
    win.show()

    def wait_for(cond, limit_s: float) -> None:  # noqa: ANN001
        end = time.monotonic() + limit_s
        while not cond() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        app.processEvents()
        win.grab().save(str(OUT / name))
        print("saved", OUT / name)

    wait_for(lambda: pipeline.processor.latest is not None, 30)
    shot("patient_home.png")
    win.start_practice()
    wait_for(lambda: win.home.runner.state == "set" and win.home.runner.rep_number >= 2
             and win.home.runner.phase == "hold", 120)  # fmt: skip
    time.sleep(0.3)
    shot("patient_rep.png")
    wait_for(lambda: win.home.runner.state == "set_summary", 120)
    time.sleep(1.5)
    wait_for(lambda: False, 1.0)
    shot("patient_set_summary.png")
    wait_for(lambda: win.pages.currentWidget() is win.summary, 300)
    shot("patient_day_summary.png")
    from facetrainer.gui.clip_pinning import ClipPinningDialog

    dialog = ClipPinningDialog(db, patient_code="P014")
    dialog.show()
    wait_for(dialog.preview.has_frame, 5)
    wait_for(lambda: False, 0.5)
    dialog.grab().save(str(OUT / "clip_pinning.png"))
    print("saved", OUT / "clip_pinning.png")
    dialog.close()
    win.close()
    pipeline.stop()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
