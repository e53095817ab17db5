"""``facetrainer bids``: a patient's EMG sessions as an EMG-BIDS dataset.

::

    facetrainer bids --patient P001 --out P001-bids [--from 2026-01-01] [--to 2026-03-31]

Prints the files written; exit 1 with one clear line on an error (unknown patient, no raw
EMG, an existing non-empty ``--out``), with nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facetrainer.storage.database import StorageError, add_database_arguments, open_database


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from facetrainer.reports.report_command import _date

    p = subparsers.add_parser(
        "bids",
        help="export a patient's EMG sessions as an EMG-BIDS dataset (MNE-BIDS)",
        description=(__doc__ or "").splitlines()[0],
    )
    p.add_argument("--patient", required=True, metavar="ID", help="pseudonymous patient code")
    p.add_argument("--out", required=True, metavar="DIR", help="new (or empty) folder to write")
    p.add_argument("--from", dest="date_from", type=_date, metavar="DATE",
                   help="first day (YYYY-MM-DD, inclusive)")
    p.add_argument("--to", dest="date_to", type=_date, metavar="DATE",
                   help="last day (YYYY-MM-DD, inclusive)")
    add_database_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from facetrainer.reports.bids_export import write_bids
    from facetrainer.reports.report_data import gather_report_data

    try:
        db = open_database(args.db, getattr(args, "data_dir", None))
    except StorageError as exc:
        print(f"facetrainer bids: error: {exc}", file=sys.stderr)
        return 1
    try:
        data = gather_report_data(db, args.patient, args.date_from, args.date_to)
        files = write_bids(db, data, Path(args.out), progress=lambda f, t: print(
            f"facetrainer bids: {100 * f:3.0f}% {t}", file=sys.stderr))
    except (StorageError, ValueError) as exc:
        print(f"facetrainer bids: error: {exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    for f in files:
        print(f)
    return 0
