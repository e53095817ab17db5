"""The command line: every subcommand is reachable, only what a command needs is imported."""

import subprocess
import sys

import pytest

from facetrainer.cli import SUBCOMMANDS, build_parser


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser(["--help"]).parse_args(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_subcommand_parses_its_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser([name, "--help"]).parse_args([name, "--help"])
    assert exc.value.code == 0
    assert f"facetrainer {name}" in capsys.readouterr().out


def test_a_subcommand_imports_only_its_own_module():
    code = (
        "import sys\n"
        "from facetrainer.cli import build_parser\n"
        "build_parser(['score', '--help'])\n"
        "loaded = [m for m in ('facetrainer.reports.report_command', "
        "'facetrainer.simulation.simulate_command', 'facetrainer.storage.data_command') "
        "if m in sys.modules]\n"
        "assert 'facetrainer.exercises.score_command' in sys.modules\n"
        "assert not loaded, loaded\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
