"""What a live session is built from: a typed configuration (no argparse in the core).

``facetrainer.cli.session_config_from_args`` turns the command line into a
:class:`SessionConfig`; tests and scripts build one directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

VideoKind = Literal["auto", "camera", "video", "image", "demo", "none"]
SIDES = ("left", "right")


@dataclass(frozen=True)
class VideoChoice:
    """Which video source to open.

    ``auto``: a camera when the OS lists one, else the demo (the app's default).
    """

    kind: VideoKind = "auto"
    camera_index: int = 0
    path: Path | None = None  # video or image file
    loop: bool = True  # a video file starts again at its end

    def __post_init__(self) -> None:
        if self.kind in ("video", "image") and self.path is None:
            raise ValueError(f"video source {self.kind!r} needs a path")
        if self.kind == "camera" and self.camera_index < 0:
            raise ValueError(f"camera index must be >= 0, got {self.camera_index}")


@dataclass(frozen=True)
class EmgConnectOptions:
    """Connection options of EMG devices (the ``--bf-*``, ``--serial-*`` and ``--lsl-*``
    options; same names, so :func:`facetrainer.emg.source_spec.emg_source_from_spec` reads
    them as it reads the command line)."""

    bf_serial_port: str = ""
    bf_ip_address: str = ""
    bf_ip_port: int = 0
    bf_mac_address: str = ""
    bf_serial_number: str = ""
    bf_file: str = ""
    bf_other_info: str = ""
    bf_master_board: int | None = None
    bf_timeout: int = 0
    serial_baud: int = 115200
    serial_fs: float = 1000.0
    serial_channels: str = ""
    serial_n_channels: int | None = None
    serial_timestamp: bool = False
    serial_envelope: bool = False
    lsl_timeout: float = 5.0


@dataclass(frozen=True)
class SessionConfig:
    """Everything a live session starts with.

    Parameters
    ----------
    video
        The video source.
    emg_specs
        ``--emg`` specs (``synthetic``, ``playback:FILE``, ``brainflow:ID``, ``serial:PORT``,
        ``lsl:NAME``, ``virtual``, ``none``); empty: the demo's EMG when the demo runs.
    emg_options
        Device connection options.
    demo_face, demo_profile, demo_seed
        The virtual patient: a face photo, a profile name or file, the random seed.
    db_url, data_dir
        Where patient data lives (None: the user's data folder, SQLite).
    patient_code, program_id
        The patient (and program) sessions are recorded for, when known at start.
    montage
        A montage name (``resources/montages``) or a file; None: channels named
        ``muscle/side`` label themselves.
    affected_side
        ``left``, ``right`` or None.
    calibration_path
        An exercise calibration file (``facetrainer score --save-calibration``).
    face_analysis
        Run the face-measures stage on every frame (needed for video scoring).
    """

    video: VideoChoice = field(default_factory=VideoChoice)
    emg_specs: tuple[str, ...] = ()
    emg_options: EmgConnectOptions = field(default_factory=EmgConnectOptions)
    demo_face: Path | None = None
    demo_profile: str | None = None
    demo_seed: int = 0
    db_url: str | None = None
    data_dir: Path | None = None
    patient_code: str | None = None
    program_id: int | None = None
    montage: str | None = None
    affected_side: str | None = None
    calibration_path: Path | None = None
    face_analysis: bool = True

    def __post_init__(self) -> None:
        if self.affected_side is not None and self.affected_side not in SIDES:
            raise ValueError(
                f"affected_side must be 'left', 'right' or None, got {self.affected_side!r}"
            )
