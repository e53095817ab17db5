"""``facetrainer data``: patients, programs and interrupted sessions from the command line.

::

    facetrainer data add-patient P014 --side left --cause "Bell's palsy" --onset 2026-01-10
    facetrainer data patients
    facetrainer data import-program home-a.json --patient P014
    facetrainer data programs
    facetrainer data export-program 3 home-a-rev3.json
    facetrainer data sessions --patient P014
    facetrainer data recover [--discard]
    facetrainer data synthetic-history --patient P014 [--sessions 4]
    facetrainer data export-bundle P014 p014-march.ftbundle [--since 2026-03-01] [--until 2026-03-31]
    facetrainer data import-bundle p014-march.ftbundle

Every command takes ``--db URL`` (else ``$FACETRAINER_DB_URL``, else the data folder's
SQLite file) and ``--data-dir DIR``. Errors are printed as one clear line; exit code 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys

from sqlalchemy import select
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


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "data",
        help="patients, programs and sessions in the database",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    sub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        a = sub.add_parser(name, help=help_text)
        add_database_arguments(a)
        a.set_defaults(func=run)
        return a

    a = action("add-patient", "add a patient under a pseudonymous code")
    a.add_argument("code")
    a.add_argument(
        "--side",
        required=True,
        choices=("left", "right", "both", "none"),
        help="affected side (the patient's own)",
    )
    a.add_argument("--cause", default="")
    a.add_argument("--onset", default=None, metavar="YYYY-MM-DD")
    a.add_argument("--notes", default="")
    action("patients", "list the patients")
    a = action("import-program", "store a program file (JSON or TOML)")
    a.add_argument("file")
    a.add_argument("--patient", default=None, help="prescribe it to this patient")
    action("programs", "list the stored programs")
    a = action("export-program", "write a stored program as one JSON file")
    a.add_argument("program_id", type=int)
    a.add_argument("out")
    a.add_argument("--overwrite", action="store_true")
    a = action("sessions", "list a patient's sessions")
    a.add_argument("--patient", required=True)
    a = action("recover", "keep (or --discard) sessions a crash left recording")
    a.add_argument("--discard", action="store_true")
    a = action("synthetic-history", "record a synthetic history (demo and trials)")
    a.add_argument("--patient", required=True)
    a.add_argument("--sessions", type=int, default=4)
    a.add_argument("--seed", type=int, default=0)
    a = action("export-bundle", "write a patient's sessions of a period into one bundle file")
    a.add_argument("patient")
    a.add_argument("out")
    a.add_argument("--since", default=None, metavar="YYYY-MM-DD", help="first day (inclusive)")
    a.add_argument("--until", default=None, metavar="YYYY-MM-DD", help="last day (inclusive)")
    a.add_argument("--overwrite", action="store_true")
    a = action("import-bundle", "merge a session bundle into the database (never duplicates)")
    a.add_argument("file")
    return p


def _day(field: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field} {value!r}: expected YYYY-MM-DD") from None


def _run(db: Database, args: argparse.Namespace) -> None:
    from facetrainer.storage import patients, programs, recovery
    from facetrainer.storage.schema import Patient, Session

    cmd = args.data_command
    if cmd == "add-patient":
        patients.create_patient(db, args.code, args.side, args.cause, args.onset, args.notes)
        print(f"patient {args.code} added")
    elif cmd == "patients":
        for p in patients.list_patients(db):
            print(f"{p.code}\t{p.affected_side}\t{p.cause}\t{p.onset_date or ''}")
    elif cmd == "import-program":
        pid = programs.import_program(db, args.file, args.patient)
        print(f"program {pid} stored from {args.file}")
    elif cmd == "programs":
        for pid, name, rev in programs.program_names(db):
            print(f"{pid}\t{name}\trevision {rev}")
    elif cmd == "export-program":
        out = programs.export_program(
            programs.get_program(db, args.program_id), args.out, overwrite=args.overwrite
        )
        print(out)
    elif cmd == "sessions":
        patients.get_patient(db, args.patient)
        with db.session() as s:
            rows = s.scalars(
                select(Session)
                .join(Patient)
                .where(Patient.code == args.patient)
                .order_by(Session.started_at)
            ).all()
            for r in rows:
                print(
                    f"{r.id}\t{r.started_at:%Y-%m-%d %H:%M}\t{r.kind}\t{r.status}\t"
                    f"{r.duration_s / 60:.1f} min"
                )
    elif cmd == "recover":
        found = recovery.recover_incomplete_sessions(db, keep=not args.discard)
        verb = "discarded" if args.discard else "kept as incomplete"
        for f in found:
            print(
                f"session {f.session_id} of {f.patient_code} ({f.started_at:%Y-%m-%d %H:%M}, "
                f"{f.emg_samples} EMG samples, {f.frames} frames): {verb}"
            )
        if not found:
            print("no interrupted session")
    elif cmd == "synthetic-history":
        from facetrainer.storage.synthetic_history import record_synthetic_history

        patients.get_patient(db, args.patient)
        made = record_synthetic_history(
            db,
            args.patient,
            dt.date.today() - dt.timedelta(days=14 * args.sessions),
            n_sessions=args.sessions,
            seed=args.seed,
        )
        print(f"{len(made)} synthetic sessions recorded for {args.patient}")
    elif cmd == "export-bundle":
        from facetrainer.storage.bundle import export_bundle

        written = export_bundle(
            db,
            args.patient,
            args.out,
            since=_day("--since", args.since),
            until=_day("--until", args.until),
            overwrite=args.overwrite,
        )
        print(written.describe())
    elif cmd == "import-bundle":
        from facetrainer.storage.bundle_import import import_bundle

        print(import_bundle(db, args.file).describe())


def run(args: argparse.Namespace) -> int:
    try:
        db = open_database(args.db, getattr(args, "data_dir", None))
    except StorageError as exc:
        print(f"facetrainer data: error: {exc}", file=sys.stderr)
        return 1
    try:
        _run(db, args)
    except (StorageError, ValueError) as exc:
        print(f"facetrainer data: error: {exc}", file=sys.stderr)
        return 1
    except (DBAPIError, sqlite3.DatabaseError) as exc:  # e.g. a page-damaged database
        print(
            f"facetrainer data: error: cannot use the database ({db.description}): "
            f"{scrub_secrets(explain_db_error(exc), db.url)}",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        print(
            f"facetrainer data: error: cannot write {exc.filename or 'the file'}: "
            f"{describe_os_error(exc)}",
            file=sys.stderr,
        )
        return 1
    finally:
        db.close()
    return 0
