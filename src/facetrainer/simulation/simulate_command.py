"""``facetrainer simulate``: record the virtual patient doing one exercise, with its truth.

::

    facetrainer simulate --profile flaccid_right --exercise closed_smile --reps 3 \\
        --out smile.mp4 --emg smile_emg.csv --truth smile_truth.json

Writes the rendered video (mp4, 30 fps), the EMG (CSV: ``time_s`` then one column per
``muscle/side`` channel, µV) and the ground truth (JSON, see :func:`truth_document`). All
three are written to temporary files next to their targets and renamed only when every
one of them is complete, so a failure never leaves a half-written recording.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facetrainer.atomic_files import atomic_path
from facetrainer.simulation.emg_synth import EmgSynthesizer
from facetrainer.simulation.face_renderer import FaceRenderer
from facetrainer.simulation.face_rig import FaceRig, FaceRigError, build_rig
from facetrainer.simulation.patient import VirtualPatient
from facetrainer.simulation.profile import ProfileError, available_profiles, load_profile
from facetrainer.simulation.protocol import EXERCISE_ACTIONS, Timeline, build_timeline

TRUTH_FORMAT = "facetrainer-virtual-patient-truth"
TRUTH_VERSION = 1
VIDEO_FPS = 30.0


class SimulationError(RuntimeError):
    """Bad input to ``simulate``; the message names the option or file and the value."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "simulate",
        help="record the virtual patient doing an exercise (video, EMG, ground truth)",
        description="Render the virtual patient doing one exercise and write the video, "
        "its surface EMG and the ground truth (per-frame activation per region and side, "
        "rep times, per-muscle activation, the profile used).",
    )
    p.add_argument(
        "--profile",
        default="synkinesis_left",
        metavar="P",
        help=f"ready profile ({', '.join(available_profiles())}) or a .toml file "
        "(default: synkinesis_left)",
    )
    p.add_argument(
        "--exercise",
        required=True,
        metavar="ID",
        help=f"exercise id: {', '.join(EXERCISE_ACTIONS)}",
    )
    p.add_argument("--reps", type=int, default=3, metavar="N", help="repetitions (default 3)")
    p.add_argument("--out", metavar="VIDEO.mp4", help="video file to write")
    p.add_argument("--emg", metavar="EMG.csv", help="EMG CSV to write")
    p.add_argument("--truth", metavar="TRUTH.json", help="ground-truth JSON to write")
    p.add_argument("--face", metavar="PATH", help="a face photo of your own (default: astronaut)")
    p.add_argument("--seed", type=int, default=0, help="seed of blinks, sway and EMG noise")
    p.add_argument(
        "--imperfect",
        action="store_true",
        help="an imperfect performer: late start, missed rep, too-fast rep, looking away",
    )
    p.add_argument(
        "--emg-fs",
        type=float,
        default=1000.0,
        metavar="HZ",
        help="EMG sampling rate (default 1000)",
    )
    p.add_argument(
        "--mains-hz",
        type=float,
        default=50.0,
        choices=(0.0, 50.0, 60.0),
        help="mains interference frequency (0 = none; default 50)",
    )
    p.add_argument("--pops", action="store_true", help="add electrode-pop artifacts to the EMG")
    p.set_defaults(func=run)
    return p


def _check_output(option: str, value: str | None, suffix: str) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if path.suffix.lower() != suffix:
        raise SimulationError(f"{option} {value}: the file name must end in {suffix}")
    if not path.parent.resolve().is_dir():
        raise SimulationError(f"{option} {value}: folder {path.parent} does not exist")
    if path.is_dir():
        raise SimulationError(f"{option} {value}: is a folder, not a file")
    return path


def frame_times(timeline: Timeline, fps: float = VIDEO_FPS) -> np.ndarray:
    """Times of the video frames covering the whole timeline."""
    return np.arange(int(math.ceil(timeline.duration_s * fps))) / fps


def truth_document(
    patient: VirtualPatient,
    rig: FaceRig,
    exercise: str,
    reps: int,
    seed: int,
    fps: float,
    emg: EmgSynthesizer | None,
) -> dict[str, Any]:
    """The ground truth of a recording as plain data.

    Keys: ``format``, ``version``, ``exercise``, ``reps_requested``, ``seed``, ``fps``,
    ``duration_s``, ``n_frames``, ``profile`` (the profile used, in its file's layout),
    ``face`` (photo, image size, px_per_mm), ``emg`` (fs_hz, channels, mains_hz, pops),
    ``reps`` (per rep: exercise, index, kind, cue_s, start_s, hold_start_s, hold_end_s,
    end_s), ``look_aways`` (start_s, end_s), ``blinks_s``, and ``frames``: per frame
    ``time_s``, ``phase``, ``rep`` (1-based rep of the exercise block, 0 before the first),
    ``look_away`` (0..1), ``regions`` {``region/side``: activation 0..1},
    ``muscles`` {``muscle/side``: activation 0..1}, ``lid_closure`` {``right``, ``left``}.
    Frame ``k`` is at ``k / fps`` s; EMG sample ``i`` at ``i / fs_hz`` s.
    """
    tl = patient.timeline
    t = frame_times(tl, fps)
    regions = patient.regions(t)
    muscles = patient.muscles(t)
    _, rep_idx = tl.effort(t)
    phases = [tl.phase(float(x)) for x in t]
    rep_no = [tl.reps[i].index if i >= 0 else 0 for i in rep_idx]
    _, lid_rest = patient.rest_offsets()
    eye = patient.actions(t).get("eye_closure", np.zeros((2, t.size)))
    lid = {s: np.clip(eye[k] + lid_rest[k], 0, 1) for k, s in enumerate(("right", "left"))}

    def r4(a: np.ndarray) -> list[float]:
        return [round(float(x), 4) for x in a]

    return {
        "format": TRUTH_FORMAT,
        "version": TRUTH_VERSION,
        "exercise": exercise,
        "reps_requested": reps,
        "seed": seed,
        "fps": fps,
        "duration_s": round(tl.duration_s, 4),
        "n_frames": int(t.size),
        "profile": patient.profile.to_dict(),
        "face": {
            "photo": rig.name,
            "image_size": list(rig.size),
            "px_per_mm": round(rig.px_per_mm, 4),
        },
        "emg": None
        if emg is None
        else {
            "fs_hz": emg.fs_hz,
            "channels": list(emg.channels),
            "mains_hz": emg.mains_hz,
            "pops": emg.pops,
            "units": "uV",
        },
        "reps": [r.to_dict() for r in tl.reps],
        "look_aways": [{"start_s": la.start_s, "end_s": la.end_s} for la in tl.look_aways],
        "blinks_s": r4(patient.blink_times_s[patient.blink_times_s < tl.duration_s]),
        "frames": {
            "time_s": r4(t),
            "phase": phases,
            "rep": rep_no,
            "look_away": r4(tl.look_away_fraction(t)),
            "regions": {k: r4(v) for k, v in regions.items()},
            "muscles": {k: r4(v) for k, v in muscles.items()},
            "lid_closure": {k: r4(v) for k, v in lid.items()},
        },
    }


def write_video(
    path: Path,
    renderer: FaceRenderer,
    patient: VirtualPatient,
    times: np.ndarray,
    fps: float = VIDEO_FPS,
) -> None:
    """Render and write every frame (mp4v), then check that the file reads back."""
    w, h = renderer.rig.size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    if not writer.isOpened():
        raise SimulationError(f"--out {path}: OpenCV cannot write an mp4 file here")
    try:
        for t in times:
            frame = renderer.render(patient.pose(float(t)))
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    cap = cv2.VideoCapture(str(path))
    try:
        ok, _ = cap.read()
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        cap.release()
    if not ok or n != len(times):
        raise SimulationError(
            f"--out {path}: the written video does not read back ({n} of {len(times)} frames)"
        )


def write_emg_csv(path: Path, synth: EmgSynthesizer, duration_s: float) -> None:
    """All EMG samples of the recording as CSV (``time_s`` + one column per channel, µV)."""
    n = int(round(duration_s * synth.fs_hz))
    chunk = int(synth.fs_hz * 10)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(("time_s",) + synth.channels) + "\n")
        done = 0
        while done < n:
            data = synth.generate(min(chunk, n - done))
            t = (done + np.arange(data.shape[1])) / synth.fs_hz
            np.savetxt(
                f,
                np.column_stack([t, data.T]),
                delimiter=",",
                fmt=["%.4f"] + ["%.3f"] * data.shape[0],
            )
            done += data.shape[1]


def simulate(args: argparse.Namespace) -> list[Path]:
    """Do the work of ``run``; returns the files written. Raises on bad input."""
    outputs = {
        "video": _check_output("--out", args.out, ".mp4"),
        "emg": _check_output("--emg", args.emg, ".csv"),
        "truth": _check_output("--truth", args.truth, ".json"),
    }
    if not any(outputs.values()):
        raise SimulationError("nothing to write: give --out, --emg and/or --truth")
    if args.exercise not in EXERCISE_ACTIONS:
        raise SimulationError(
            f"--exercise {args.exercise!r} is not an exercise id "
            f"(known: {', '.join(EXERCISE_ACTIONS)})"
        )
    if args.reps < 1 or args.reps > 100:
        raise SimulationError(f"--reps {args.reps} must be between 1 and 100")
    if not (np.isfinite(args.emg_fs) and 100.0 <= args.emg_fs <= 20000.0):
        raise SimulationError(f"--emg-fs {args.emg_fs} must be between 100 and 20000 Hz")
    profile = load_profile(args.profile)
    rig = build_rig(args.face)
    timeline = build_timeline(
        [args.exercise], reps=args.reps, imperfect=args.imperfect, seed=args.seed
    )
    patient = VirtualPatient(profile, timeline, seed=args.seed, frame_width_px=rig.size[0])
    synth = EmgSynthesizer(
        patient, fs_hz=args.emg_fs, mains_hz=args.mains_hz, pops=args.pops, seed=args.seed
    )
    with contextlib.ExitStack() as stack:  # every file renamed in place only if all succeed
        partial = {
            k: stack.enter_context(atomic_path(p, private=False, keep_suffix=True))
            for k, p in outputs.items()
            if p is not None
        }
        if "video" in partial:
            write_video(partial["video"], FaceRenderer(rig), patient, frame_times(timeline))
        if "emg" in partial:
            write_emg_csv(partial["emg"], synth, timeline.duration_s)
        if "truth" in partial:
            doc = truth_document(
                patient,
                rig,
                args.exercise,
                args.reps,
                args.seed,
                VIDEO_FPS,
                EmgSynthesizer(
                    patient,
                    fs_hz=args.emg_fs,
                    mains_hz=args.mains_hz,
                    pops=args.pops,
                    seed=args.seed,
                ),
            )
            partial["truth"].write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return [p for p in outputs.values() if p is not None]


def run(args: argparse.Namespace) -> int:
    try:
        written = simulate(args)
    except (SimulationError, ProfileError, FaceRigError, ValueError) as exc:
        print(f"facetrainer simulate: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"facetrainer simulate: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0
