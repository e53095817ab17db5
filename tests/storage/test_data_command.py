"""``facetrainer data``: the storage from the command line, with one-line errors."""

from __future__ import annotations

import argparse

import pytest

from facetrainer.storage import data_command
from facetrainer.storage.programs import builtin_program_paths


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="facetrainer")
    data_command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", *argv])
    return args.func(args)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'f.sqlite3'}"


def test_patients_programs_and_sessions(url, tmp_path, capsys):
    assert run("add-patient", "P014", "--side", "left", "--onset", "2026-01-10", "--db", url) == 0
    assert run("patients", "--db", url) == 0
    assert "P014\tleft" in capsys.readouterr().out
    src = builtin_program_paths()[0]
    assert run("import-program", str(src), "--patient", "P014", "--db", url) == 0
    assert run("programs", "--db", url) == 0
    out = capsys.readouterr().out
    assert "Starter: gentle control\trevision 1" in out
    assert run("export-program", "1", str(tmp_path / "p.json"), "--db", url) == 0
    assert (tmp_path / "p.json").exists()
    assert run("synthetic-history", "--patient", "P014", "--sessions", "2", "--db", url) == 0
    assert run("sessions", "--patient", "P014", "--db", url) == 0
    assert capsys.readouterr().out.count("complete") == 2
    assert run("recover", "--db", url) == 0
    assert "no interrupted session" in capsys.readouterr().out


def test_errors_are_one_clear_line(url, tmp_path, capsys):
    assert run("add-patient", "P1", "--side", "left", "--onset", "yesterday", "--db", url) == 1
    assert "onset_date 'yesterday'" in capsys.readouterr().err
    assert run("sessions", "--patient", "nobody", "--db", url) == 1
    assert "unknown patient 'nobody'" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert run("import-program", str(bad), "--db", url) == 1
    assert "bad.json is not valid JSON" in capsys.readouterr().err


def test_bundle_export_then_import_twice_from_the_command_line(url, tmp_path, capsys):
    clinic = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    bundle = tmp_path / "p014.ftbundle"
    assert run("add-patient", "P014", "--side", "left", "--db", url) == 0
    assert run("synthetic-history", "--patient", "P014", "--sessions", "2", "--db", url) == 0
    capsys.readouterr()
    assert run("export-bundle", "P014", str(bundle), "--db", url) == 0
    assert "2 session(s)" in capsys.readouterr().out
    assert run("import-bundle", str(bundle), "--db", clinic) == 0
    assert "added 2 session(s)" in capsys.readouterr().out
    assert run("import-bundle", str(bundle), "--db", clinic) == 0
    assert "nothing new" in capsys.readouterr().out
    assert run("export-bundle", "P014", str(bundle), "--since", "soon", "--db", url) == 1
    assert "--since 'soon'" in capsys.readouterr().err
    bundle.write_bytes(b"not a zip")
    assert run("import-bundle", str(bundle), "--db", clinic) == 1
    assert "not a FaceTrainer bundle" in capsys.readouterr().err
