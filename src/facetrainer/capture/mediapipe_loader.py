"""MediaPipe's Face Mesh imported without the parts of MediaPipe that face tracking never uses.

``import mediapipe`` runs ``mediapipe/python/solutions/__init__.py``, which imports every
legacy solution and the drawing helpers, which import ``matplotlib.pyplot``, and
``mediapipe/tasks/python/__init__.py``, which imports every task API (audio ones import
``sounddevice``). Together about 85 % of the import (0.6 of 0.7 s on an idle core here,
over 1.5 s under load), paid by every process that tracks a face: the app at start-up and
each ``facetrainer analyze --jobs`` worker. :func:`import_face_mesh` imports those two
packages as *lazy packages* instead: their submodules (and ``tasks.BaseOptions``) import on
first use, so ``mp.solutions.drawing_utils`` or ``mp.tasks.vision`` still work; everything
else of MediaPipe imports as usual. When MediaPipe is already imported nothing changes.
FaceTrainer imports MediaPipe only through :func:`import_solution`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

_LAZY_PACKAGES = {
    # package: (folder below its parent's folder, names mediapipe/__init__.py deletes,
    # which the skipped imports would have set and so must exist)
    "mediapipe.python.solutions": ("solutions", ("framework", "gpu", "modules", "util")),
    "mediapipe.tasks.python": ("python", ()),
}


class _LazyPackages(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the packages of ``_LAZY_PACKAGES`` without running their ``__init__``."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in _LAZY_PACKAGES or not path:
            return None
        init = Path(next(iter(path)), _LAZY_PACKAGES[fullname][0], "__init__.py")
        if not init.is_file():
            return None  # a MediaPipe laid out differently: the ordinary import
        return importlib.util.spec_from_file_location(
            fullname, init, loader=self, submodule_search_locations=[str(init.parent)]
        )

    def create_module(self, spec: Any) -> None:
        return None  # the default module object

    def exec_module(self, module: types.ModuleType) -> None:
        package = module.__name__
        for name in _LAZY_PACKAGES[package][1]:
            importlib.import_module(f"mediapipe.{name}")

        def load_on_use(name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            if name == "BaseOptions":  # set by mediapipe/tasks/python/__init__.py
                return importlib.import_module(f"{package}.core.base_options").BaseOptions
            return importlib.import_module(f"{package}.{name}")

        module.__getattr__ = load_on_use  # type: ignore[method-assign]


def import_solution(name: str) -> types.ModuleType:
    """MediaPipe's ``mediapipe.python.solutions.<name>`` module (see the module notes)."""
    finder = None
    if "mediapipe" not in sys.modules:
        finder = _LazyPackages()
        sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(f"mediapipe.python.solutions.{name}")
    finally:
        if finder is not None:
            sys.meta_path.remove(finder)


def import_face_mesh() -> types.ModuleType:
    """MediaPipe's ``face_mesh`` solution, the Face Mesh model (see the module notes)."""
    return import_solution("face_mesh")
