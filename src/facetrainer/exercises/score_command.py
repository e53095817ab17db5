"""``facetrainer score``: score a recorded set from video, EMG or both.

::

    facetrainer score --exercise closed_smile --video set.mp4 --json scores.json
    facetrainer score --exercise closed_smile --emg set.csv --montage smile_eye_4ch \\
        --affected-side left --json scores.json

The JSON holds ``exercise``, ``modalities`` (which inputs scored it), ``reps`` (each with
``start_s``, ``end_s``, ``target``, ``spillover`` {signal: % of its reference},
``symmetry``, ``quality``, ``unfinished``: still held when the recording ended), a
``summary`` (with ``reps_unfinished``), ``rest`` and ``reference`` (``method``, ``why``:
which rest and 100 % were used and why; ``calibration.channels`` names them per channel as
``rest_source`` and ``source``) and ``problems`` (what made the recording hard or
impossible to score).

Exit status: 0 scored (``problems`` may still list warnings); 2 bad arguments or an
unreadable input, e.g. an EMG column that holds no numbers (all NaN): the message names the
file and nothing is written (a previous result at OUT is kept); 3 the input was read but
holds nothing to score (no face in most frames, shorter than one repetition, every EMG
channel saturated) and no repetition was found: the JSON is written with ``problems``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from facetrainer import DISCLAIMER
from facetrainer.atomic_files import describe_os_error, write_text_atomic
from facetrainer.exercises.recording_problems import EXIT_UNSCORABLE


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "score",
        help="score a recorded exercise set from video and/or EMG",
        description="Score every repetition of a recorded set: target activation, hold, "
        "speed, symmetry and spillover into watch regions/muscles. " + DISCLAIMER,
    )
    p.add_argument("--exercise", required=True, metavar="ID", help="exercise id (e.g. brow_raise)")
    p.add_argument("--video", metavar="V", help="video file of the set")
    p.add_argument("--emg", metavar="E", help="EMG recording (CSV, BrainFlow file or EDF)")
    p.add_argument(
        "--montage",
        metavar="M",
        help="montage file or ready montage name "
        "(which channel is which muscle/side); required with --emg",
    )
    p.add_argument(
        "--affected-side",
        choices=("left", "right"),
        default=None,
        help="the affected side (symmetry = affected/healthy); default: weaker/stronger",
    )
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="calibration JSON (rest/reference per "
        "channel) from a calibration session; default: rest from the recording (--rest)",
    )
    p.add_argument(
        "--exercise-dir",
        metavar="DIR",
        help="user exercise folder (default: the user's data folder)",
    )
    p.add_argument(
        "--save-calibration",
        metavar="FILE",
        help="treat this set as a reference set: save each channel's rest and best 0.5 s "
        "excursion as a calibration file for --calibration",
    )
    p.add_argument(
        "--rest",
        choices=("quiet", "start"),
        default="quiet",
        help="where each channel's rest comes from: 'quiet' (default) the calibration's "
        "rest, else the recording's least activated 0.5 s stretch; 'start' the first 2 s",
    )
    p.add_argument(
        "--reference",
        choices=("set", "default"),
        default="set",
        help="100 %% of a target without a calibrated reference: 'set' (default) the "
        "set's robust maximum, 'default' the activation table's millimetre/µV default",
    )
    p.add_argument("--json", required=True, metavar="OUT", help="where to write the scores")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes that track a long --video in segments (default: every core this "
        "process may use; 1 = one process)",
    )
    p.set_defaults(func=run)


def score_recording(
    exercise_id: str,
    *,
    video: str | Path | None = None,
    emg: str | Path | None = None,
    montage: str | Path | None = None,
    affected_side: str | None = None,
    calibration: str | Path | None = None,
    exercise_dir: str | Path | None = None,
    save_calibration: str | Path | None = None,
    rest: str = "quiet",
    reference: str = "set",
    jobs: int = 1,
) -> dict[str, Any]:
    """Score a recorded set; returns the ``score`` command's JSON document.

    Raises ValueError (or a subclass) with a message naming the bad file/field/value.
    """
    from facetrainer.exercises.activation import Calibration
    from facetrainer.exercises.library import load_library
    from facetrainer.exercises.recordings import emg_envelopes, iter_video_measures
    from facetrainer.exercises.scorer import ExerciseScorer

    if video is None and emg is None:
        raise ValueError("give --video, --emg (with --montage) or both")
    library = load_library(exercise_dir)
    try:
        exercise = library[exercise_id]
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
    if not exercise.scored:
        raise ValueError(f"exercise {exercise_id!r} is a guided routine (timed steps), not scored")
    cal = Calibration.load(calibration) if calibration is not None else None
    problems: list[str] = []
    emg_data = emg_envelopes(emg, montage, problems=problems) if emg is not None else None
    if emg_data is not None and not any(emg_data[2]):
        emg_data = None  # every labelled channel saturated or empty: nothing to score
        if video is None:
            return _unscorable(exercise, problems, library.problems, emg, montage, affected_side)
    scorer = ExerciseScorer(
        exercise,
        video=video is not None,
        emg_channels=emg_data[2] if emg_data is not None else None,
        affected_side=affected_side,
        calibration=cal,
        rest=rest,
        reference=reference if rest == "quiet" else "default",
    )
    if save_calibration is not None:
        scorer.record_reference()
    if emg_data is not None:
        scorer.push_emg(emg_data[0], emg_data[1])
        scorer.end("emg")
    if video is not None:
        for t, measures, xy, midline in iter_video_measures(video, affected_side, jobs=jobs):
            scorer.push_video(t, measures, xy, midline)
    scorer.finish()
    if video is not None:
        problems.extend(scorer.video_problems())
    result = scorer.result()
    result["problems"] = problems
    if save_calibration is not None:
        scorer.reference_calibration().save(save_calibration)
    result["inputs"] = {
        "video": str(video) if video else None,
        "emg": str(emg) if emg else None,
        "montage": str(montage) if montage else None,
        "affected_side": affected_side,
    }
    result.update(scorer.rest_and_reference_json())
    result["library_problems"] = library.problems
    result["disclaimer"] = DISCLAIMER
    return result


def _unscorable(
    exercise: Any,
    problems: list[str],
    library_problems: list[str],
    emg: str | Path | None,
    montage: str | Path | None,
    affected_side: str | None,
) -> dict[str, Any]:
    """The JSON document of a recording that holds nothing to score (``problems`` say why)."""
    from facetrainer.exercises.scoring import summarise_set

    return {
        "exercise": exercise.id,
        "modalities": [],
        "reps": [],
        "summary": summarise_set([], exercise, [], 0, 0, exercise.thresholds, []),
        "calibration": {"channels": {}},
        "problems": problems,
        "inputs": {
            "video": None,
            "emg": str(emg) if emg else None,
            "montage": str(montage) if montage else None,
            "affected_side": affected_side,
        },
        "library_problems": library_problems,
        "disclaimer": DISCLAIMER,
    }


def run(args: argparse.Namespace) -> int:
    try:
        result = score_recording(
            args.exercise,
            video=args.video,
            emg=args.emg,
            montage=args.montage,
            affected_side=args.affected_side,
            calibration=args.calibration,
            exercise_dir=args.exercise_dir,
            save_calibration=args.save_calibration,
            rest=args.rest,
            reference=args.reference,
            jobs=_jobs(args),
        )
    except (ValueError, OSError) as exc:
        print(f"facetrainer score: error: {exc}", file=sys.stderr)
        return 2
    for problem in result["library_problems"]:
        print(f"facetrainer score: skipped exercise file: {problem}", file=sys.stderr)
    out = Path(args.json)
    try:
        write_text_atomic(out, json.dumps(result, indent=2))
    except OSError as exc:
        print(
            f"facetrainer score: error: cannot write {out}: {describe_os_error(exc)}",
            file=sys.stderr,
        )
        return 2
    s = result["summary"]
    print(
        f"{result['exercise']}: {s['reps_detected']} reps from "
        f"{' + '.join(result['modalities']) or 'no usable input'} "
        f"(expected {s['reps_expected']}); "
        f"quality {s['quality_mean']}, symmetry {s['symmetry_mean']}, "
        f"spillover {s['spillover_mean_pct']} % → {out}"
    )
    if s["not_measured"]:
        print(f"not measured with these inputs: {', '.join(s['not_measured'])}")
    for problem in result["problems"]:
        print(f"facetrainer score: {problem}", file=sys.stderr)
    if result["problems"] and not result["reps"]:
        return EXIT_UNSCORABLE
    return 0


def _jobs(args: argparse.Namespace) -> int:
    """``--jobs``, or every core this process may use; below 1 is refused."""
    from facetrainer.face.parallel_analysis import default_jobs

    jobs = default_jobs() if getattr(args, "jobs", None) is None else int(args.jobs)
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    return jobs
