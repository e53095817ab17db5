"""Reading small JSON/TOML files (programs, calibrations, montages, profiles) with limits.

A configuration file is a few kilobytes. A hostile or broken one can be gigabytes, or nest
a hundred thousand brackets deep, which exhausts the parser's recursion (a ``RecursionError``
traceback instead of a message). :func:`read_config_text` refuses both before parsing, with
the allowed range in the message; :func:`parse_json` and :func:`parse_toml` turn every parser
failure into :class:`ConfigFileError` naming the file.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

MAX_CONFIG_BYTES = 1024**2
MAX_CONFIG_DEPTH = 16


class ConfigFileError(ValueError):
    """A configuration file is too large, nested too deeply or not valid; names the file."""


def bracket_depth(text: str | bytes) -> int:
    """The deepest nesting of ``[``/``{`` outside quoted strings (JSON and TOML values).

    Counted before parsing: the count is an upper bound for TOML (a ``[table]`` header
    counts one level), exact for JSON.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = deepest = 0
    in_string: int | None = None
    escaped = False
    for byte in raw:
        if in_string is not None:
            if escaped:
                escaped = False
            elif byte == 0x5C and in_string == 0x22:  # backslash inside "..."
                escaped = True
            elif byte == in_string or byte == 0x0A and in_string == 0x27:
                in_string = None  # a newline ends a TOML literal '...' (also when unclosed)
        elif byte in (0x22, 0x27):  # " or '
            in_string = byte
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth = max(0, depth - 1)
    return deepest


def read_config_text(
    path: Path | str,
    what: str,
    max_bytes: int = MAX_CONFIG_BYTES,
    max_depth: int = MAX_CONFIG_DEPTH,
) -> bytes:
    """The bytes of a configuration file, refused when too large or nested too deeply.

    Raises
    ------
    ConfigFileError
        Naming ``what`` and the file, with the allowed size or depth.
    OSError
        When the file cannot be read (the caller words that).
    """
    p = Path(path)
    with open(p, "rb") as f:
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ConfigFileError(
            f"{what} {p} is larger than {max_bytes} bytes (allowed up to {max_bytes})"
        )
    depth = bracket_depth(raw)
    if depth > max_depth:
        raise ConfigFileError(
            f"{what} {p} nests {depth} levels deep (allowed up to {max_depth})"
        )
    return raw


def parse_json(raw: bytes, where: str) -> Any:
    """JSON content of a file's bytes; :class:`ConfigFileError` naming ``where``."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigFileError(f"{where} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ConfigFileError(f"{where} nests too deeply to read") from None


def parse_toml(raw: bytes, where: str) -> dict[str, Any]:
    """TOML content of a file's bytes; :class:`ConfigFileError` naming ``where``."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"{where} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigFileError(f"{where} nests too deeply to read") from None
