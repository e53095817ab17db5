"""``facetrainer emg analyze FILE --json OUT [--fs HZ] [--channels NAMES]``.

Reads a CSV, BrainFlow or EDF/EDF+ recording, runs the offline analysis of
:func:`facetrainer.emg.processing.analyse_recording` and writes JSON::

    {"fs": 2000.0,
     "channels": [{"name": "ch1", "nan_samples": 0, "mains_hz": 50,
                   "baseline": 4.7,
                   "bursts": [{"onset_s": 2.004, "offset_s": 3.157, "peak": 61.8}]}]}

``baseline`` is the resting envelope level (µV), ``peak`` a burst's highest envelope
value (µV), times in seconds from the first sample. Burst onsets and offsets are refined
back to where the envelope left the baseline (:mod:`facetrainer.emg.onsets`). Each channel
also lists ``problems`` (e.g. saturated: samples piled up at the amplifier's rails), also
printed on stderr. Unreadable files (also one whose channel holds no numbers, all NaN),
unknown channels or a missing sampling rate print a message naming the file and exit with
status 2 (nothing is written); when every channel has a problem the JSON is written and
the exit status is 3.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings

import numpy as np

from facetrainer.atomic_files import describe_os_error, write_text_atomic
from facetrainer.emg.filters import EmgFilterWarning
from facetrainer.emg.processing import ChannelAnalysis, analyse_recording
from facetrainer.emg.quality import is_saturated
from facetrainer.emg.recording_io import RecordingError, read_recording

EXIT_BAD_INPUT = 2
EXIT_NOTHING_USABLE = 3


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    emg = subparsers.add_parser("emg", help="surface EMG tools", description="Surface EMG tools.")
    emg_sub = emg.add_subparsers(dest="emg_command", metavar="EMG_COMMAND", required=True)
    p = emg_sub.add_parser(
        "analyze",
        help="find mains, baseline and bursts in an EMG recording",
        description="Analyse a CSV (header row; a time column gives the rate), BrainFlow or "
        "EDF/EDF+ EMG recording and write mains, baseline and bursts as JSON.",
    )
    p.add_argument("file", metavar="FILE", help="CSV, BrainFlow (.csv/.tsv) or EDF file")
    p.add_argument(
        "--json",
        dest="json_out",
        metavar="OUT",
        required=True,
        help="where to write the JSON result ('-' for standard output)",
    )
    p.add_argument(
        "--fs",
        type=float,
        metavar="HZ",
        default=None,
        help="sampling rate (default: from the file)",
    )
    p.add_argument(
        "--channels",
        metavar="NAMES",
        default=None,
        help="comma-separated channel names to analyse (default: all)",
    )
    p.add_argument(
        "--board",
        type=int,
        metavar="ID",
        default=None,
        help="BrainFlow board id whose row layout a BrainFlow file uses "
        "(default: the file's .json description, else the synthetic board)",
    )
    p.set_defaults(func=run)


def _number(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 6)


def analysis_to_json(
    fs_hz: float, channels: list[ChannelAnalysis], problems: list[list[str]] | None = None
) -> dict:
    """The ``emg analyze`` JSON document (keys are a public interface)."""
    problems = problems if problems is not None else [[] for _ in channels]
    return {
        "fs": fs_hz,
        "channels": [
            {
                "name": ch.name,
                "nan_samples": ch.nan_samples,
                "mains_hz": None if ch.mains_hz is None else int(ch.mains_hz),
                "baseline": _number(ch.baseline.level_uv),
                "bursts": [
                    {
                        "onset_s": _number(b.onset_s),
                        "offset_s": _number(b.offset_s),
                        "peak": _number(b.peak_uv),
                    }
                    for b in ch.bursts
                ],
                "problems": probs,
            }
            for ch, probs in zip(channels, problems, strict=True)
        ],
    }


def run(args: argparse.Namespace) -> int:
    names = None
    if args.channels is not None:
        names = [n.strip() for n in args.channels.split(",") if n.strip()]
        if not names:
            print(
                f"facetrainer emg analyze: --channels {args.channels!r} names no channel",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    try:
        rec = read_recording(args.file, fs_hz=args.fs, channels=names, board_id=args.board)
    except RecordingError as exc:
        print(f"facetrainer emg analyze: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in rec.notes:
        print(f"facetrainer emg analyze: {args.file}: {note}", file=sys.stderr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmgFilterWarning)
        try:
            result = analyse_recording(rec.data_uv, rec.fs_hz, rec.channel_names)
        except ValueError as exc:
            print(f"facetrainer emg analyze: {args.file}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    for w in caught:
        print(f"facetrainer emg analyze: {w.message}", file=sys.stderr)
    problems = [_channel_problems(rec.data_uv[i]) for i in range(len(result))]
    for ch, probs in zip(result, problems, strict=True):
        for p in probs:
            print(
                f"facetrainer emg analyze: {args.file}: channel {ch.name!r}: {p}", file=sys.stderr
            )
    doc = analysis_to_json(rec.fs_hz, result, problems)
    text = json.dumps(doc, indent=2)
    if args.json_out == "-":
        print(text)
    else:
        try:
            write_text_atomic(args.json_out, text + "\n")
        except OSError as exc:
            print(
                f"facetrainer emg analyze: cannot write {args.json_out}: {describe_os_error(exc)}",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    if problems and all(problems):
        return EXIT_NOTHING_USABLE
    return 0


def _channel_problems(raw_uv: np.ndarray) -> list[str]:
    """Why a channel's bursts cannot be trusted (saturation), in words."""
    v = raw_uv[np.isfinite(raw_uv)]
    if v.size == 0:
        return ["every sample is missing (NaN)"]
    if is_saturated(v):
        low, high = float(v.min()), float(v.max())
        share = 100.0 * np.count_nonzero((v == low) | (v == high)) / v.size
        return [
            f"saturated: {share:.0f} % of samples at the rails {low:g} / {high:g} µV "
            "(the envelope measures the clipping, not the muscle)"
        ]
    return []
