"""Report fixtures: a synthetic patient history recorded once per module and backend."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

FIRST_DAY = dt.date(2026, 1, 5)
N_SESSIONS = 4
DAYS_BETWEEN = 14


def fresh_url(backend: str, folder, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'facetrainer.sqlite3'}"
    from sqlalchemy import create_engine, text

    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def history(request, tmp_path_factory):
    """(db, url, sessions) with patient P001's synthetic history and a program."""
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.programs import builtin_programs, save_program
    from facetrainer.storage.synthetic_history import record_synthetic_history

    url = fresh_url(request.param, tmp_path_factory.mktemp("history"), request)
    db = open_database(url)
    create_patient(db, "P001", "left", cause="Bell's palsy", onset_date="2025-11-20")
    save_program(db, builtin_programs()[0], patient_code="P001")
    sessions = record_synthetic_history(
        db, "P001", FIRST_DAY, n_sessions=N_SESSIONS, days_between=DAYS_BETWEEN, seed=3
    )
    yield db, url, sessions
    db.close()


@pytest.fixture(scope="session")
def history_plan() -> dict:
    """How the ``history`` fixture's sessions are spread."""
    return {"first_day": FIRST_DAY, "n_sessions": N_SESSIONS, "days_between": DAYS_BETWEEN}


@pytest.fixture(scope="session")
def pdf_text():
    return read_pdf_text


def read_pdf_text(path) -> str:
    """Text of a PDF (poppler's pdftotext when installed, else pypdf)."""
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    try:
        from pypdf import PdfReader
    except ImportError:
        pytest.fail("reading the PDF's text needs poppler-utils (pdftotext) or pypdf")
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
