"""``facetrainer report``: the clinician report of one patient over a period.

::

    facetrainer report --patient P001 [--from 2026-01-01] [--to 2026-03-31] --pdf report.pdf
                       [--csv DIR] [--edf DIR] [--json report.json] [--db URL]

Everything is checked first (patient, period, program versions, raw EMG for ``--edf``);
only then are files written, each through a temporary name, so a failure overwrites nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from facetrainer.atomic_files import describe_os_error
from facetrainer.storage.database import (
    Database,
    StorageError,
    add_database_arguments,
    explain_db_error,
    open_database,
    scrub_secrets,
)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: use YYYY-MM-DD") from None


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "report",
        help="clinician report (PDF, CSV, EDF+, JSON) of a patient over a period",
        description="Write a patient's progress report: PDF with charts, plus every number as "
        "CSV/JSON and the raw EMG as EDF+ with the reps as annotations.",
    )
    p.add_argument("--patient", required=True, metavar="ID", help="pseudonymous patient code")
    p.add_argument(
        "--from",
        dest="date_from",
        type=_date,
        metavar="DATE",
        help="first day (YYYY-MM-DD, inclusive)",
    )
    p.add_argument(
        "--to", dest="date_to", type=_date, metavar="DATE", help="last day (YYYY-MM-DD, inclusive)"
    )
    p.add_argument("--pdf", required=True, metavar="OUT", help="PDF file to write")
    p.add_argument("--csv", metavar="DIR", help="folder for the CSV tables")
    p.add_argument("--edf", metavar="DIR", help="folder for the EDF+ files (raw EMG)")
    p.add_argument("--json", metavar="OUT", help="JSON file with every number")
    add_database_arguments(p)
    p.set_defaults(func=run)
    return p


@dataclass
class ReportRequest:
    patient: str
    pdf: Path
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    csv_dir: Path | None = None
    edf_dir: Path | None = None
    json_path: Path | None = None
    written: list[Path] = field(default_factory=list)


def make_report(
    db: Database, req: ReportRequest, progress: Callable[[float, str], None] | None = None
) -> list[Path]:
    """Check everything, then write the requested files; return them.

    Raises :class:`StorageError` (unknown patient, empty period, program from a newer
    version, missing raw EMG, a damaged database) before anything is written, and for an
    unwritable output (full disk, read-only folder) without replacing any earlier file.
    """

    def say(f: float, text: str) -> None:
        if progress:
            progress(max(0.0, min(1.0, f)), text)

    for label, path in (("--pdf", req.pdf), ("--json", req.json_path)):
        if path is not None and not Path(path).parent.resolve().is_dir():
            raise StorageError(f"{label} {path}: folder {Path(path).parent} does not exist")
        if path is not None and Path(path).is_dir():
            raise StorageError(f"{label} {path} is a folder: give a file name")
    for label, folder in (("--csv", req.csv_dir), ("--edf", req.edf_dir)):
        if folder is not None and Path(folder).exists() and not Path(folder).is_dir():
            raise StorageError(f"{label} {folder} is a file, not a folder")
    try:
        written = _checked_then_written(db, req, say)
    except (DBAPIError, sqlite3.DatabaseError) as exc:  # e.g. a page-damaged database
        raise StorageError(
            f"cannot read the database ({db.description}): "
            f"{scrub_secrets(explain_db_error(exc), db.url)}; nothing written"
        ) from None
    req.written = written
    return written


def _checked_then_written(
    db: Database, req: ReportRequest, say: Callable[[float, str], None]
) -> list[Path]:
    from facetrainer.reports.exports import collect_emg, write_csv, write_edf, write_json
    from facetrainer.reports.pdf_report import render_pdf
    from facetrainer.reports.report_data import gather_report_data
    from facetrainer.storage.session_data import MissingRawDataError

    say(0.0, f"reading patient {req.patient}")
    data = gather_report_data(
        db, req.patient, req.date_from, req.date_to, progress=lambda f, t: say(0.5 * f, t)
    )
    if req.edf_dir is not None and not collect_emg(db, data):  # checked before any write
        raise MissingRawDataError(
            f"no session of patient {req.patient!r} in the period has raw EMG: nothing written"
        )
    written = [render_pdf(data, req.pdf, progress=lambda f, t: say(0.3 + 0.4 * f, t))]
    if req.csv_dir is not None:
        say(0.75, "writing CSV")
        written += write_csv(data, req.csv_dir)
    if req.json_path is not None:
        say(0.8, "writing JSON")
        written.append(write_json(data, req.json_path))
    if req.edf_dir is not None:
        written += write_edf(db, data, req.edf_dir, progress=lambda f, t: say(0.85 + 0.15 * f, t))
    say(1.0, "done")
    return written


def run(args: argparse.Namespace) -> int:
    req = ReportRequest(
        patient=args.patient,
        pdf=Path(args.pdf),
        date_from=args.date_from,
        date_to=args.date_to,
        csv_dir=Path(args.csv) if args.csv else None,
        edf_dir=Path(args.edf) if args.edf else None,
        json_path=Path(args.json) if args.json else None,
    )
    try:
        db = open_database(args.db, getattr(args, "data_dir", None))
    except StorageError as exc:
        print(f"facetrainer report: error: {exc}", file=sys.stderr)
        return 1
    try:
        files = make_report(
            db,
            req,
            progress=lambda f, t: print(
                f"facetrainer report: {100 * f:3.0f}% {t}", file=sys.stderr
            ),
        )
    except (StorageError, ValueError) as exc:
        print(f"facetrainer report: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"facetrainer report: error: cannot write {exc.filename or 'the report'}: "
            f"{describe_os_error(exc)}",
            file=sys.stderr,
        )
        return 1
    finally:
        db.close()
    for f in files:
        print(f)
    return 0
