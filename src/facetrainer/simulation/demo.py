"""The app's default without hardware: the virtual patient doing a program of exercises."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from facetrainer.simulation.patient import VirtualPatient
from facetrainer.simulation.profile import PatientProfile, ProfileError, load_profile
from facetrainer.simulation.protocol import DEMO_PROGRAM, ProtocolTiming, build_timeline
from facetrainer.simulation.sources import SimulationClock, VirtualPatientEmg, VirtualPatientVideo

DEFAULT_PROFILE = "synkinesis_left"
DEMO_REPS = 3
DEMO_LEAD_IN_S = 5.0
"""Rest before each round of the program: the face must appear (the rig is built, the
tracker starts) and then hold still for the exercise engine's rest window before the first
rep, so that a set following the demo scores the very first rep."""


def create_demo_sources(
    face_path: str | Path | None = None,
    profile: str | Path | PatientProfile | None = None,
    seed: int = 0,
    *,
    program: Sequence[str] | None = None,
    reps: int = DEMO_REPS,
    imperfect: bool = False,
) -> tuple[VirtualPatientVideo, VirtualPatientEmg]:
    """The virtual patient looping through a program (default :data:`DEMO_PROGRAM`, 3 reps
    of each exercise), face and EMG.

    Parameters
    ----------
    face_path : str or Path, optional
        A face photo of your own (default: the packaged astronaut portrait).
    profile : str, Path or PatientProfile, optional
        A ready profile's name (``healthy``, ``flaccid_right``, ``synkinesis_left``), a
        profile file, or a loaded profile (default ``synkinesis_left``).
    seed : int
        Seeds blinks, sway, tremor, the EMG noise and the imperfections.
    program : sequence of str, optional
        Exercise ids to loop through (default :data:`DEMO_PROGRAM`); ValueError names an
        unknown one.
    reps : int
        Repetitions of each exercise per round.
    imperfect : bool
        An imperfect performer (late starts, missed and rushed reps, looking away).

    Returns
    -------
    (VirtualPatientVideo, VirtualPatientEmg)
        A :class:`~facetrainer.capture.video_sources.VideoSource` and an
        :class:`~facetrainer.emg.source.EmgSource`.
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
    timeline = build_timeline(
        tuple(program or DEMO_PROGRAM),
        reps=reps,
        timing=ProtocolTiming(lead_in_s=DEMO_LEAD_IN_S),
        loop=True,
        seed=seed,
        imperfect=imperfect,
    )
    patient = VirtualPatient(prof, timeline, seed=seed)
    sim_clock = SimulationClock()
    face = str(face_path) if face_path is not None else None
    name = f"virtual patient ({prof.name})"
    video = VirtualPatientVideo(patient, sim_clock, face_path=face, name=name, error=error)
    emg = VirtualPatientEmg(patient, sim_clock, seed=seed, name=f"{name} EMG", error=error)
    return video, emg
