"""Writing montages: what the montage editor builds, saved in the montage file format.

The format is :mod:`facetrainer.emg.montage`'s (read with :func:`load_montage`);
building goes through the same validation, so a muscle named twice on one side is refused
with the field named (``channels.ch3``) whether it comes from a file or the editor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from facetrainer.atomic_files import describe_os_error, write_text_atomic
from facetrainer.emg.montage import Montage, MontageError, parse_montage


def build_montage(
    name: str, channels: Mapping[str, str | None], description: str = ""
) -> Montage:
    """A montage from the editor's choices: channel key → ``"muscle/side"`` (None: unused).

    Raises :class:`MontageError` naming the field (``name``, ``channels.<key>``).
    """
    used = {str(k): v for k, v in channels.items() if v}
    doc = {"name": name, "description": description, "channels": used}
    return parse_montage(doc, "montage editor")


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes for quotes, \\ and controls).
    return json.dumps(text, ensure_ascii=False)


def montage_to_toml(montage: Montage) -> str:
    """The montage file's text (round-trips through :func:`load_montage`)."""
    lines = [f"name = {_toml_string(montage.name)}"]
    if montage.description:
        lines.append(f"description = {_toml_string(montage.description)}")
    lines += ["", "[channels]"]
    lines += [f"{_toml_string(k)} = {_toml_string(p.label)}" for k, p in montage.channels.items()]
    return "\n".join(lines) + "\n"


def save_montage(montage: Montage, path: Path | str, overwrite: bool = False) -> Path:
    """Write a montage file atomically (temporary name, then rename); never overwrites
    an existing file unless ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise MontageError(f"{path} exists: not overwritten (choose another name)")
    try:
        write_text_atomic(path, montage_to_toml(montage), private=False)
    except OSError as exc:
        raise MontageError(f"cannot write montage {path}: {describe_os_error(exc)}") from exc
    return path
