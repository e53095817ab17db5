"""``facetrainer analyze PATH --json OUT [--csv OUT]``: measures of photos, videos and folders.

JSON: ``{"sources": [{"path", "fps" (null for images), "scale_mm_per_px", "frames": [{"index",
"time_s", "face", "rejected", "head_pose_deg": {"yaw", "pitch", "roll"}, "scale_mm_per_px",
"metrics": {name: {"left", "right"}}, "asymmetry": {name: {"difference", "ratio"}},
"eyelids": {"left"|"right": {"source": "image"|"mesh", "confidence", "reason"}},
"mrd": {"mrd1_mm"|"mrd2_mm": {"left", "right"}}}],
"n_faces", "warnings", "error"}]}``. ``eyelids`` says per eye whether
``palpebral_fissure_mm`` is the image-refined opening or, where the image does not support
the refinement (small iris, low contrast), the mesh's; ``mrd`` holds the marginal reflex
distances (from the same trusted lid margins). CSV: one row per frame (all sources), the same
fields flattened (without ``eyelids``).

A photo is measured at its own iris scale. A video's frames are measured at the scale held
over time exactly as the live stage holds it (:mod:`facetrainer.face.scale`: running median
over open-eye frames, restarted on a face change), so a still face does not move; the
source's ``scale_mm_per_px`` is the median of its frames' scales.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from facetrainer.atomic_files import atomic_open, atomic_path, describe_os_error
from facetrainer.capture.media_files import MediaFileError, check_frame_count
from facetrainer.face.frame_reader import decoded_frames
from facetrainer.face.head_pose import PoseLimits
from facetrainer.face.measures import (
    _IS_LENGTH,
    EYELID_MEASURE_NAMES,
    MEASURE_NAMES,
    AnalysisSettings,
    FaceMeasures,
    analyse_face,
    asymmetry_arrays,
)
from facetrainer.face.scale import ScaleStabiliser, eye_opening_iris

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
VIDEO_EXTENSIONS = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}
PROGRESS_MIN_FRAMES = 60  # shorter videos get no progress bar
EXIT_BAD_MEDIA = 1  # a file could not be decoded or was truncated (the others are analysed)
EXIT_BAD_ARGS = 2  # bad option, missing input, output not writable


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="face measures (mm per side) of photos, videos or a folder of both",
        description="Measure every frame of an image, a video or a folder of them: "
        "brow height, eye opening, mouth corner excursion/height, lip heights, smile angle, "
        "per side in millimetres (iris diameter as scale), with head pose.",
    )
    p.add_argument("path", metavar="PATH", help="image, video or folder")
    p.add_argument("--json", required=True, metavar="OUT", help="write the results here")
    p.add_argument("--csv", metavar="OUT", help="also write one CSV row per frame")
    p.add_argument("--emotrics-csv", metavar="OUT",
                   help="also write the photos' measures under Emotrics' names (one row per "
                        "photo and measure, FaceTrainer's name alongside)")
    p.add_argument(
        "--iris-mm",
        type=float,
        default=11.7,
        help="iris diameter used as the scale (default 11.7 mm)",
    )
    p.add_argument(
        "--max-yaw",
        type=float,
        default=PoseLimits.yaw_deg,
        metavar="DEG",
        help="frames with a larger head turn are not measured (default %(default)s)",
    )
    p.add_argument(
        "--max-pitch",
        type=float,
        default=PoseLimits.pitch_deg,
        metavar="DEG",
        help="largest head nod still measured (default %(default)s)",
    )
    p.add_argument(
        "--max-roll",
        type=float,
        default=PoseLimits.roll_deg,
        metavar="DEG",
        help="largest head tilt still measured (default %(default)s)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes to use: files of a folder and segments of a long video are analysed "
        "in parallel (default: every core this process may use; 1 = one process)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from facetrainer.face.parallel_analysis import analyse_files, default_jobs

    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        print(f"facetrainer analyze: --jobs must be at least 1, got {jobs}", file=sys.stderr)
        return EXIT_BAD_ARGS
    try:
        settings = AnalysisSettings(
            iris_diameter_mm=args.iris_mm,
            pose_limits=PoseLimits(args.max_yaw, args.max_pitch, args.max_roll),
        )
    except ValueError as exc:
        print(f"facetrainer analyze: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGS
    root = Path(args.path)
    if not root.exists():
        print(f"facetrainer analyze: no such file or folder: {root}", file=sys.stderr)
        return EXIT_BAD_ARGS
    files = _media_files(root)
    if not files:
        print(f"facetrainer analyze: no image or video files in {root}", file=sys.stderr)
        return EXIT_BAD_ARGS
    sources = analyse_files(files, settings, jobs, progress=not args.no_progress)
    for s in sources:
        for w in s["warnings"]:
            print(f"{s['path']}: {w}", file=sys.stderr)
        if s["error"]:
            print(f"facetrainer analyze: {s['path']}: {s['error']}", file=sys.stderr)
    n_bad = sum(1 for s in sources if s["error"])
    if not any(s["frames"] for s in sources):  # an earlier result is worth more than none
        print(
            f"facetrainer analyze: no file could be analysed: {args.json}"
            + (f" and {args.csv}" if args.csv else "")
            + " not written",
            file=sys.stderr,
        )
        return EXIT_BAD_MEDIA
    try:
        with contextlib.ExitStack() as outputs:  # JSON and CSVs replaced together or not at all
            outputs.enter_context(atomic_path(args.json)).write_text(
                dumps_results(sources), encoding="utf-8"
            )
            if args.csv:
                write_csv(sources, outputs.enter_context(atomic_path(args.csv)))
            if getattr(args, "emotrics_csv", None):
                from facetrainer.face.emotrics import write_emotrics_csv

                write_emotrics_csv(
                    _photo_metrics(sources), outputs.enter_context(atomic_path(args.emotrics_csv))
                )
    except OSError as exc:
        print(
            f"facetrainer analyze: cannot write {args.json}"
            + (f" / {args.csv}" if args.csv else "")
            + f": {describe_os_error(exc)}; earlier files were left as they were",
            file=sys.stderr,
        )
        return EXIT_BAD_ARGS
    print(
        f"analysed {len(sources) - n_bad} of {len(sources)} file(s) -> {args.json}", file=sys.stderr
    )
    return EXIT_BAD_MEDIA if n_bad else 0


def _photo_metrics(sources: list[dict[str, Any]]):
    """(file, measures incl. MRD1/MRD2) of every measured photo (videos are left out)."""
    for s in sources:
        if s["fps"] is None:
            for f in s["frames"]:
                if f["metrics"]:
                    yield s["path"], {**f["metrics"], **f.get("mrd", {})}


def _media_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    known = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in known)


def _clean(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _frame_record(
    index: int, time_s: float, m: FaceMeasures, values: np.ndarray | None
) -> dict[str, Any]:
    pose = m.head_pose_deg
    rec: dict[str, Any] = {
        "index": index,
        "time_s": round(time_s, 6),
        "face": m.rejected != "no_face",
        "rejected": m.rejected,
        "head_pose_deg": None
        if pose is None
        else {k: _clean(v) for k, v in pose.as_dict().items()},
        "scale_mm_per_px": None,
        "metrics": {},
        "asymmetry": {},
    }
    if values is not None and m.rejected is None:
        rec["scale_mm_per_px"] = _clean(m.scale_mm_per_px)
        diff, ratio = asymmetry_arrays(values)
        for k, name in enumerate(MEASURE_NAMES):
            rec["metrics"][name] = {"left": _clean(values[k, 0]), "right": _clean(values[k, 1])}
            rec["asymmetry"][name] = {"difference": _clean(diff[k]), "ratio": _clean(ratio[k])}
        if m.eyelids is not None:
            rec["eyelids"] = m.eyelids
        rec["mrd"] = {
            name: {"left": _clean(lr["left"]), "right": _clean(lr["right"])}
            for name, lr in m.eyelid_metrics.items()
        }
    return rec


def analyse_path(path: Path, settings: AnalysisSettings, progress: bool = True) -> dict[str, Any]:
    """Analyse one image or video; never raises for bad media (the record says why)."""
    source: dict[str, Any] = {
        "path": str(path),
        "fps": None,
        "scale_mm_per_px": None,
        "frames": [],
        "n_faces": 0,
        "warnings": [],
        "error": None,
    }
    suffix = path.suffix.lower()
    try:
        if suffix in IMAGE_EXTENSIONS:
            _analyse_image(path, settings, source)
        elif suffix in VIDEO_EXTENSIONS:
            _analyse_video(path, settings, source, progress)
        else:  # unknown extension given explicitly: try as an image, then as a video
            try:
                _analyse_image(path, settings, source)
            except Exception:  # noqa: BLE001 - fall back to video decoding
                _analyse_video(path, settings, source, progress)
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        source["error"] = str(exc) or type(exc).__name__
        source["frames"] = []
        source.pop("_measures", None)
    _summarise(source, settings)
    return source


def _analyse_image(path: Path, settings: AnalysisSettings, source: dict[str, Any]) -> None:
    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.video_sources import read_image_rgb
    from facetrainer.face.symmetric_tracking import track_mirror_averaged

    rgb = read_image_rgb(path)
    with FaceTracker(static_image_mode=True, max_num_faces=4) as tracker:
        face = track_mirror_averaged(tracker, rgb)
    m = analyse_face(face, rgb, settings)
    source["n_faces"] = face.n_faces if face is not None else 0
    source["_measures"] = [(0, 0.0, m)]


def _analyse_video(
    path: Path, settings: AnalysisSettings, source: dict[str, Any], progress: bool
) -> None:
    from tqdm import tqdm

    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.video_sources import open_video_capture

    cap, fps, n = open_video_capture(path)
    source["fps"] = fps
    results: list[tuple[int, float, FaceMeasures]] = []
    bar = tqdm(
        total=n or None,
        unit="frame",
        desc=path.name,
        leave=False,
        file=sys.stderr,
        disable=not progress or n < PROGRESS_MIN_FRAMES or None,
    )
    # MediaPipe re-runs its face detector on every frame while it tracks fewer faces than
    # max_num_faces, so a one-face video is tracked with max_num_faces=1 (about 2x faster);
    # the first frame is probed for several faces, which then are tracked (largest measured).
    max_faces = 1
    tracker: FaceTracker | None = None
    scale = ScaleStabiliser()  # the live stage's scale, so a still face does not move
    frames = decoded_frames(cap)
    try:
        for index, rgb in enumerate(frames):
            if tracker is None:
                with FaceTracker(static_image_mode=True, max_num_faces=4) as probe:
                    first = probe.process(rgb)
                max_faces = 4 if first is not None and first.n_faces > 1 else 1
                tracker = FaceTracker(static_image_mode=False, max_num_faces=max_faces)
            face = tracker.process(rgb)
            if face is not None:
                source["n_faces"] = max(source["n_faces"], face.n_faces)
            m = analyse_face(face, rgb, settings)
            _stabilise_scale(m, index / fps, scale)
            results.append((index, index / fps, m))
            bar.update(1)
    finally:
        frames.close()  # stops the decoder thread before the capture is released
        bar.close()
        cap.release()
        if tracker is not None:
            tracker.close()
    source["_measures"] = results
    try:
        check_frame_count(path, len(results), n)
    except MediaFileError as exc:  # the decoded frames are kept, the file counts as bad
        source["error"] = str(exc)


def _stabilise_scale(m: FaceMeasures, time_s: float, scale: ScaleStabiliser) -> None:
    """Rescale a video frame's measures to the scale held over time (in place)."""
    if m.rejected is not None or m.values is None or not m.scale_mm_per_px:
        return
    eyes = eye_opening_iris(m.values, m.scale_mm_per_px, m.iris_diameter_px or np.nan)
    steady = scale.update(time_s, m.scale_mm_per_px, eyes)
    m.values = m.values * np.where(_IS_LENGTH, steady / m.scale_mm_per_px, 1.0)[:, None]
    if m.eyelid_mm is not None:
        m.eyelid_mm = m.eyelid_mm * (steady / m.scale_mm_per_px)
    m.scale_mm_per_px = steady


def _summarise(source: dict[str, Any], settings: AnalysisSettings) -> None:
    """Frame records; the source's scale is the median of its frames' scales.

    A photo has its own scale; a video's frames carry the scale held over time
    (:mod:`facetrainer.face.scale`), also written per frame.
    """
    results: list[tuple[int, float, FaceMeasures]] = source.pop("_measures", [])
    scales = [m.scale_mm_per_px for _, _, m in results if m.rejected is None and m.scale_mm_per_px]
    source["scale_mm_per_px"] = float(np.median(scales)) if scales else None
    for index, time_s, m in results:
        source["frames"].append(_frame_record(index, time_s, m, m.values))
    if source["n_faces"] > 1:
        source["warnings"].append(f"{source['n_faces']} faces found; the largest face was measured")
    n_small = sum(1 for _, _, m in results if m.rejected == "face_too_small")
    if n_small:
        source["warnings"].append(
            f"face too small for a reliable iris scale in {n_small} frame(s) (iris below "
            f"{settings.min_iris_px:g} px): no millimetres reported for them"
        )
    if results and not any(m.rejected != "no_face" for _, _, m in results):
        source["warnings"].append("no face found")


def dumps_results(sources: list[dict[str, Any]]) -> str:
    """The JSON document ``{"sources": [...]}``, one frame per line.

    ``json.dumps`` with ``indent`` runs the pure-Python encoder (several times slower than
    the C one on a long video's frames); compact frames on lines of their own stay readable.
    """
    blocks = []
    for s in sources:
        head = json.dumps({k: v for k, v in s.items() if k != "frames"}, allow_nan=False)
        frames = ",\n".join(json.dumps(f, allow_nan=False) for f in s["frames"])
        blocks.append(
            f'{head[:-1]}, "frames": [\n{frames}\n]}}' if frames else f'{head[:-1]}, "frames": []}}'
        )
    return '{"sources": [\n' + ",\n".join(blocks) + "\n]}\n"


def write_csv(sources: list[dict[str, Any]], path: Path) -> None:
    """One row per frame of every source (measures flattened as ``<name>_<left|right>``)."""
    cols = [
        "path",
        "fps",
        "scale_mm_per_px",
        "index",
        "time_s",
        "face",
        "rejected",
        "yaw",
        "pitch",
        "roll",
    ]
    for name in MEASURE_NAMES:
        cols += [f"{name}_left", f"{name}_right", f"{name}_difference", f"{name}_ratio"]
    for name in EYELID_MEASURE_NAMES:
        cols += [f"{name}_left", f"{name}_right"]
    with atomic_open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for s in sources:
            for f in s["frames"]:
                row: dict[str, Any] = {
                    "path": s["path"],
                    "fps": s["fps"],
                    # the frame's own (held) scale; the source's for frames not measured
                    "scale_mm_per_px": f.get("scale_mm_per_px") or s["scale_mm_per_px"],
                    "index": f["index"],
                    "time_s": f["time_s"],
                    "face": f["face"],
                    "rejected": f["rejected"] or "",
                }
                for k in ("yaw", "pitch", "roll"):
                    row[k] = f["head_pose_deg"][k] if f["head_pose_deg"] else ""
                for name, lr in f["metrics"].items():
                    row[f"{name}_left"], row[f"{name}_right"] = lr["left"], lr["right"]
                    a = f["asymmetry"][name]
                    row[f"{name}_difference"], row[f"{name}_ratio"] = a["difference"], a["ratio"]
                for name, lr in f.get("mrd", {}).items():
                    row[f"{name}_left"], row[f"{name}_right"] = lr["left"], lr["right"]
                w.writerow(row)
