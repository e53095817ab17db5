"""Every file FaceTrainer writes goes through facetrainer.atomic_files (issue 16, item 1).

A new ``open(..., "w")``, ``write_text``, ``os.replace`` … in the package fails this test
unless it is listed below with the reason it is safe (a stream that cannot be atomic, or a
write inside a folder or temporary path that atomic_files already manages).
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "facetrainer"
DIRECT_WRITE = re.compile(
    r"""\.write_text\(|\.write_bytes\(|os\.replace\(|\.rename\(|mkstemp\(|mkdtemp\("""
    r"""|(?<![\w.])open\([^)]*["'](?:w|wb|a|ab|x)["']|\.open\(\s*["'](?:w|wb|a|x)["']|imwrite\("""
)
ALLOWED = {
    "atomic_files.py": "the module itself",
    "storage/database.py": "mkstemp probe of a folder's writability, removed at once",
    "face/mirror_pairs.py": "developer tool regenerating a source file of the package",
    "reports/exports.py": "CSV tables written inside a journalled staging folder",
    "reports/bids_export.py": "files inside a journalled staging folder, renamed whole",
    "simulation/simulate_command.py": "writes at paths given by atomic_path",
    "face/analyze_command.py": "writes at a path given by atomic_path",
}


def _direct_writes() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DIRECT_WRITE.search(line) and not line.lstrip().startswith("#"):
                found.setdefault(rel, []).append(f"{rel}:{number}: {line.strip()}")
    return found


def test_no_file_is_written_around_atomic_files():
    offenders = [w for rel, ws in _direct_writes().items() if rel not in ALLOWED for w in ws]
    assert not offenders, "write through facetrainer.atomic_files:\n" + "\n".join(offenders)


def test_every_exception_is_still_needed():
    assert sorted(set(ALLOWED) - set(_direct_writes())) == []
