"""Where Lab Streaming Layer may be seen: this machine only unless the user widens it.

liblsl discovers streams by multicast across the local network by default (scope
``site``), which would announce a patient's EMG to every computer on a clinic's network.
Before FaceTrainer touches liblsl it writes ``lsl_api.cfg`` into the user's config folder
(platformdirs ``user_config_dir("FaceTrainer")``, 0600) and points liblsl at it with
``lsl_set_config_filename``::

    [ports]
    IPv6 = disable
    [multicast]
    ResolveScope = machine      ; discovery packets never leave this computer
    ListenAddress = 127.0.0.1   ; stream data served on the loopback interface only
    [log]
    level = -1                  ; liblsl's own warnings and errors ...
    file = <user log folder>/liblsl.log   ; ... go to a file, not the terminal

A wider scope (``link``, ``site``, ``organization``, ``global``) only by an explicit setting
(``--lsl-scope`` or the LSL settings file); the listen address then covers every interface.
liblsl reads its configuration once per process, so the scope must be chosen before the
first stream is created: :func:`configured_pylsl` does that and refuses a later change.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from facetrainer.paths import user_config_folder, user_log_folder

log = logging.getLogger(__name__)

# Prefix of the source_id of FaceTrainer's own outlets: stable, so LabRecorder re-finds the
# streams after a restart, and the LSL inlet can tell FaceTrainer's output from a device's.
DEFAULT_SOURCE_ID = "facetrainer"
SCOPES = ("machine", "link", "site", "organization", "global")
DEFAULT_SCOPE = "machine"
SETTINGS_FILE = "lsl.json"
CONFIG_FILE = "lsl_api.cfg"

_lock = threading.Lock()
_configured_scope: str | None = None


class LslError(RuntimeError):
    """LSL cannot be used as asked (bad setting, liblsl missing); the message says why."""


@dataclass
class LslSettings:
    """The user's LSL choices: publish FaceTrainer's streams (off by default) and the
    discovery scope (``machine`` by default)."""

    publish: bool = False
    scope: str = DEFAULT_SCOPE

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise LslError(f"LSL scope must be one of {', '.join(SCOPES)}, got {self.scope!r}")

    @classmethod
    def load(cls, folder: Path | None = None) -> LslSettings:
        """Read ``lsl.json`` from the config folder; defaults when it is missing.

        A damaged file is reported in the log and the safe defaults are used.
        """
        path = (folder or user_config_folder()) / SETTINGS_FILE
        if not path.is_file():
            return cls()
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return cls(publish=bool(doc.get("publish", False)),
                       scope=str(doc.get("scope", DEFAULT_SCOPE)))
        except (OSError, ValueError, LslError, AttributeError, RecursionError) as exc:
            log.warning("%s: unreadable LSL settings (%s); using publish off, scope machine",
                        path, exc)
            return cls()

    def save(self, folder: Path | None = None) -> Path:
        """Write ``lsl.json`` atomically (0600 in a 0700 folder)."""
        folder = folder or user_config_folder()
        path = folder / SETTINGS_FILE
        _write_private(path, json.dumps(asdict(self), indent=2) + "\n")
        return path


def config_text(scope: str, log_file: Path | None = None) -> str:
    """The ``lsl_api.cfg`` content for a scope (see the module docstring)."""
    if scope not in SCOPES:
        raise LslError(f"LSL scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    lines = ["; Written by FaceTrainer: LSL discovery scope (rewritten at each start;",
             "; change it with --lsl-scope or FaceTrainer's LSL settings, not here).",
             "[ports]", "IPv6 = disable", "[multicast]", f"ResolveScope = {scope}"]
    if scope == "machine":
        lines.append("ListenAddress = 127.0.0.1")
    lines += ["[log]", "level = -1"]
    if log_file is not None:
        lines.append(f"file = {log_file}")
    return "\n".join(lines) + "\n"


def write_config(scope: str, folder: Path | None = None, log_folder: Path | None = None) -> Path:
    """Write ``lsl_api.cfg`` for ``scope`` into the config folder; returns its path."""
    folder = folder or user_config_folder()
    log_folder = log_folder or user_log_folder()
    try:
        log_folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        log_file: Path | None = log_folder / "liblsl.log"
        # liblsl appends to it with default permissions: create it private first.
        os.close(os.open(log_folder / "liblsl.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                         0o600))
    except OSError:
        log_file = None  # liblsl then logs to stderr
    path = folder / CONFIG_FILE
    _write_private(path, config_text(scope, log_file))
    return path


def configured_pylsl(scope: str | None = None, folder: Path | None = None) -> ModuleType:
    """``pylsl``, with liblsl configured for ``scope`` (default: the saved setting).

    Call before any other use of pylsl. The first call fixes the scope for the process;
    a later call asking for another scope raises :class:`LslError` (restart to change).
    """
    global _configured_scope
    with _lock:
        wanted = scope or (_configured_scope or LslSettings.load(folder).scope)
        if _configured_scope is not None:
            if wanted != _configured_scope:
                raise LslError(
                    f"LSL is already set up with scope {_configured_scope!r} in this run; "
                    f"restart FaceTrainer to use scope {wanted!r}"
                )
        try:
            import pylsl
        except (ImportError, RuntimeError) as exc:  # pylsl raises RuntimeError without liblsl
            raise LslError(f"Lab Streaming Layer is not available: {exc}") from exc
        if _configured_scope is None:
            path = write_config(wanted, folder)
            pylsl.set_config_filename(str(path))
            _configured_scope = wanted
            log.info("LSL configured: scope %s (%s)", wanted, path)
        return pylsl


def configured_scope() -> str | None:
    """The scope liblsl was configured with in this process (None before first use)."""
    return _configured_scope


def _write_private(path: Path, text: str) -> None:
    from facetrainer.atomic_files import make_private_dir, write_text_atomic

    make_private_dir(path.parent)
    write_text_atomic(path, text)


def add_lsl_arguments(parser: Any) -> None:
    """The app's ``--lsl`` and ``--lsl-scope`` options."""
    g = parser.add_argument_group("Lab Streaming Layer")
    g.add_argument("--lsl", action="store_true",
                   help="publish EMG, face measures and exercise markers as LSL streams "
                        "(also a setting in the Sources menu; off by default)")
    g.add_argument("--lsl-scope", choices=SCOPES, default=None,
                   help="who can discover FaceTrainer's LSL streams and be read as EMG: "
                        "machine (default: this computer only), link, site, organization, "
                        "global; saved as the setting")
