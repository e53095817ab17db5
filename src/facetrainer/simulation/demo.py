"""The app's default without hardware: the virtual patient doing a program of exercises."""

from __future__ import annotations

from pathlib import Path

from facetrainer.capture.video_sources import VideoSource
from facetrainer.emg.source import EmgSource
from facetrainer.simulation.patient import VirtualPatient
from facetrainer.simulation.profile import PatientProfile, ProfileError, load_profile
from facetrainer.simulation.protocol import DEMO_PROGRAM, build_timeline
from facetrainer.simulation.sources import SimulationClock, VirtualPatientEmg, VirtualPatientVideo

DEFAULT_PROFILE = "synkinesis_left"
DEMO_REPS = 3


def create_demo_sources(
    face_path: str | Path | None = None,
    profile: str | Path | PatientProfile | None = None,
    seed: int = 0,
) -> tuple[VideoSource, EmgSource]:
    """The virtual patient looping through :data:`DEMO_PROGRAM` (3 reps each), face and EMG.

    Parameters
    ----------
    face_path : str or Path, optional
        A face photo of your own (default: the packaged astronaut portrait).
    profile : str, Path or PatientProfile, optional
        A ready profile's name (``healthy``, ``flaccid_right``, ``synkinesis_left``), a
        profile file, or a loaded profile (default ``synkinesis_left``).
    seed : int
        Seeds blinks, sway, tremor and the EMG noise.

    Returns
    -------
    (VideoSource, EmgSource)
        Not started. Both share one timeline and one clock. Bad input (an unreadable
        photo, a photo without a face, an invalid profile) never raises here: the sources
        fail when they open, with a message naming the file, field and value.
    """
    error = None
    if isinstance(profile, PatientProfile):
        prof = profile
    else:
        try:
            prof = load_profile(profile or DEFAULT_PROFILE)
        except ProfileError as exc:
            error = f"virtual patient profile: {exc}"
            prof = load_profile(DEFAULT_PROFILE)
    timeline = build_timeline(DEMO_PROGRAM, reps=DEMO_REPS, loop=True, seed=seed)
    patient = VirtualPatient(prof, timeline, seed=seed)
    sim_clock = SimulationClock()
    face = str(face_path) if face_path is not None else None
    name = f"virtual patient ({prof.name})"
    video = VirtualPatientVideo(patient, sim_clock, face_path=face, name=name, error=error)
    emg = VirtualPatientEmg(patient, sim_clock, seed=seed, name=f"{name} EMG", error=error)
    return video, emg
