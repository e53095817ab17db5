"""`facetrainer report` under faults: a damaged database, a full disk, a read-only folder,
a kill (issue 16, defects 5, 7 and 8, and the fault-injection test of item 10)."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from facetrainer.cli import main

KILL_WAIT_S = 60.0


def _sqlite_copy(history, folder):
    db, url, _ = history
    if not url.startswith("sqlite"):
        pytest.skip("file damage is an SQLite matter")
    with db.engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    copy = folder / "copy.sqlite3"
    shutil.copy(url.removeprefix("sqlite:///"), copy)
    return copy


def test_a_page_damaged_database_gives_a_message_not_a_traceback(history, tmp_path, capsys):
    copy = _sqlite_copy(history, tmp_path)
    size = copy.stat().st_size
    with open(copy, "r+b") as f:  # the header stays; pages in the middle are trashed
        for offset in range(4 * 4096, size - 4096, 3 * 4096):
            f.seek(offset)
            f.write(os.urandom(4096))
    pdf = tmp_path / "report.pdf"
    rc = main(["report", "--patient", "P001", "--pdf", str(pdf), "--db", f"sqlite:///{copy}"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "Traceback" not in err and "copy.sqlite3" in err
    assert "damaged" in err or "malformed" in err
    assert not pdf.exists()


def test_a_full_disk_during_the_report_keeps_the_earlier_files(history, small_disk, capsys):
    _, url, _ = history
    pdf, csv_dir = small_disk.path / "report.pdf", small_disk.path / "csv"
    assert main(["report", "--patient", "P001", "--pdf", str(pdf), "--db", url]) == 0
    earlier = pdf.read_bytes()
    small_disk.fill()
    rc = main(["report", "--patient", "P001", "--pdf", str(pdf), "--csv", str(csv_dir),
               "--db", url])
    err = capsys.readouterr().err
    assert rc == 1 and "disk is full" in err and "Traceback" not in err
    assert pdf.read_bytes() == earlier
    left = sorted(p.name for p in small_disk.path.iterdir())
    assert left == ["filler.bin", "report.pdf"] or left == ["csv", "filler.bin", "report.pdf"]
    small_disk.free()
    assert main(["report", "--patient", "P001", "--pdf", str(pdf), "--csv", str(csv_dir),
                 "--db", url]) == 0  # room again: the same command succeeds


def test_a_read_only_folder_is_named_read_only(history, read_only_dir, capsys):
    _, url, _ = history
    folder = read_only_dir()
    rc = main(["report", "--patient", "P001", "--pdf", str(folder / "r.pdf"), "--db", url])
    err = capsys.readouterr().err
    assert rc == 1 and "read-only" in err and "Traceback" not in err


def test_report_files_are_private(history, tmp_path):
    _, url, _ = history
    old = os.umask(0o022)
    try:
        assert main(["report", "--patient", "P001", "--pdf", str(tmp_path / "r.pdf"),
                     "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "csv"),
                     "--db", url]) == 0
    finally:
        os.umask(old)
    files = [tmp_path / "r.pdf", tmp_path / "r.json", *(tmp_path / "csv").iterdir()]
    assert len(files) > 4
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
    assert stat.S_IMODE((tmp_path / "csv").stat().st_mode) == 0o700


def test_a_killed_report_leaves_nothing_after_the_next_command(history, tmp_path, capsys):
    _, url, _ = history
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    code = "import sys; from facetrainer.cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["report", "--patient", "P001", "--pdf", str(out / "r.pdf"),
            "--csv", str(out / "csv"), "--edf", str(out / "edf"), "--db", url]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + KILL_WAIT_S
    try:
        while time.monotonic() < end and proc.poll() is None:
            if any(p.name.endswith(".part") for p in out.rglob("*")):
                break
            time.sleep(0.002)
        else:
            pytest.skip("the report finished before a temporary file was seen")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    assert any(p.name.endswith(".part") for p in out.rglob("*"))  # what a kill leaves
    assert main(["--paths"]) == 0  # the next start of any command
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")]
    assert "left by an interrupted run" in capsys.readouterr().err
