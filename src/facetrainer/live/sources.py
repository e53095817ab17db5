"""The sources a :class:`~facetrainer.live.config.SessionConfig` names, built (not started).

A source that cannot be built is reported in the returned problems and the rest still runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from facetrainer.capture.sample_faces import astronaut_portrait
from facetrainer.capture.video_sources import (
    CameraSource,
    ImageSource,
    VideoFileSource,
    VideoSource,
)
from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
from facetrainer.emg.source import EmgSource, EmgSourceError
from facetrainer.live.config import EmgConnectOptions, SessionConfig


@dataclass
class BuiltSources:
    """The video source, the EMG sources, and what could not be opened (messages)."""

    video: VideoSource | None
    emg: list[EmgSource] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def camera_present() -> bool:
    """True when the OS lists a video device (probing OpenCV without one only prints noise)."""
    if sys.platform.startswith("linux"):
        return any(Path("/dev").glob("video*"))
    return True


def demo_sources(config: SessionConfig) -> tuple[VideoSource, EmgSource | None]:
    """The built-in demo: the virtual patient, else a still face + BrainFlow's synthetic EMG."""
    try:
        from facetrainer.simulation.demo import create_demo_sources
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("facetrainer.simulation"):
            raise
        face = config.demo_face
        video = (ImageSource(face) if face else
                 ImageSource(astronaut_portrait(), name="astronaut (demo)"))  # fmt: skip
        return video, BrainFlowSource(SYNTHETIC_BOARD_ID)
    return create_demo_sources(
        face_path=config.demo_face, profile=config.demo_profile, seed=config.demo_seed
    )


def emg_source(spec: str, options: EmgConnectOptions) -> EmgSource:
    """One ``--emg`` spec as a source (:class:`EmgSourceError` names a bad spec)."""
    from facetrainer.emg.source_spec import emg_source_from_spec

    # The spec reader takes the command line's option names; the options carry the same.
    return emg_source_from_spec(spec, cast(Any, options))


def build_sources(config: SessionConfig) -> BuiltSources:
    """The configured video and EMG sources; failures are listed, the rest still runs."""
    choice = config.video
    demo_emg: EmgSource | None = None
    video: VideoSource | None
    if choice.kind == "camera":
        video = CameraSource(choice.camera_index)
    elif choice.kind == "video":
        assert choice.path is not None
        video = VideoFileSource(choice.path, loop=choice.loop)
    elif choice.kind == "image":
        assert choice.path is not None
        video = ImageSource(choice.path)
    elif choice.kind == "none":
        video = None
    elif choice.kind == "auto" and camera_present():
        video = CameraSource(0)
    else:
        video, demo_emg = demo_sources(config)
    out = BuiltSources(video)
    if not config.emg_specs:
        if demo_emg is not None:
            out.emg.append(demo_emg)
        return out
    for spec in config.emg_specs:
        kind = spec.strip().lower()
        if kind == "none":
            continue
        if kind == "virtual":
            if demo_emg is None:
                _, demo_emg = demo_sources(config)
            if demo_emg is not None:
                out.emg.append(demo_emg)
            continue
        try:
            out.emg.append(emg_source(spec, config.emg_options))
        except (EmgSourceError, ImportError) as exc:
            out.problems.append(f"EMG source {spec!r} not started: {exc}")
    return out
