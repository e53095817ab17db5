"""Files are written whole or not at all, privately, and a killed run leaves nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from facetrainer.atomic_files import (
    atomic_open,
    journal_folder,
    remove_leftovers,
    write_text_atomic,
)
from facetrainer.cli import main


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary(tmp_path):
    out = tmp_path / "result.json"
    out.write_text('{"valid": true}')
    with pytest.raises(RuntimeError), atomic_open(out) as f:
        f.write('{"half')
        raise RuntimeError("the run failed half way")
    assert out.read_text() == '{"valid": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def test_a_new_file_is_private_and_an_existing_one_keeps_its_mode(tmp_path):
    new = write_text_atomic(tmp_path / "new.json", "{}")
    assert new.stat().st_mode & 0o777 == 0o600
    shared = tmp_path / "shared.csv"
    shared.write_text("old")
    shared.chmod(0o644)  # the user chose to share it
    write_text_atomic(shared, "new")
    assert shared.read_text() == "new" and shared.stat().st_mode & 0o777 == 0o644


def test_a_full_disk_leaves_the_earlier_result_valid(small_disk):
    out = small_disk.path / "scores.json"
    out.write_text(json.dumps({"reps": [1, 2, 3]}))
    small_disk.fill()
    with pytest.raises(OSError):
        write_text_atomic(out, json.dumps({"reps": list(range(10_000))}))
    assert json.loads(out.read_text()) == {"reps": [1, 2, 3]}
    assert not [p for p in small_disk.path.iterdir() if p.name.endswith(".part")]


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from facetrainer.atomic_files import atomic_open
    with atomic_open(sys.argv[1]) as f:
        f.write("patient data " * 1000)
        f.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_leftovers_of_a_killed_run_are_removed_at_the_next_start_of_any_command(
    tmp_path, capsys
):
    out_dir = tmp_path / "elsewhere"
    out_dir.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(out_dir / "report.json")],
        env=env,
        timeout=60,
    )
    assert r.returncode == -signal.SIGKILL
    left = list(out_dir.iterdir())
    assert len(left) == 1 and left[0].name.endswith(".part")  # what the kill left
    assert main(["--paths"]) == 0  # any command
    assert list(out_dir.iterdir()) == []
    assert "left by an interrupted run" in capsys.readouterr().err
    journal = list(journal_folder().iterdir()) if journal_folder().is_dir() else []
    assert not [e for e in journal if str(out_dir) in e.read_text()]


def test_a_running_writer_s_temporary_file_is_left_alone(tmp_path):
    out = tmp_path / "live.json"
    with atomic_open(out) as f:
        f.write("still writing")
        assert remove_leftovers((tmp_path,)) == []
    assert out.read_text() == "still writing"
