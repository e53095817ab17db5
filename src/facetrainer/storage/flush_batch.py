"""One flush of the session recorder: queued items turned into the rows of one commit.

Kept apart from :mod:`facetrainer.storage.recorder` (threads, queue, life cycle) so the
mapping from what the pipeline delivers to what the tables hold reads in one place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facetrainer.storage.emg_codec import encode_chunk
from facetrainer.storage.schema import EmgChunk, EmgStream, Event, FrameChunk, Rep, RepRecord

REP_FIELDS = ("start_s", "end_s", "target", "spillover", "symmetry", "quality")


def flatten_measures(value: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of nested dicts/dataclasses as ``{"a/b/c": value}`` (NaN for None)."""
    out: dict[str, float] = {}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # e.g. facetrainer.face.measures.FaceMeasures: its per-side ``metrics`` property
        # names the rows of its values array, which asdict alone would lose.
        metrics = getattr(value, "metrics", None)
        value = dataclasses.asdict(value)
        if isinstance(metrics, Mapping):
            value["metrics"] = metrics
    elif not isinstance(value, Mapping) and hasattr(value, "as_dict"):
        value = value.as_dict()
    elif not isinstance(value, Mapping) and hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, Mapping):
        for k, v in value.items():
            out.update(flatten_measures(v, f"{prefix}/{k}" if prefix else str(k)))
    elif isinstance(value, bool | np.bool_):
        out[prefix] = float(value)
    elif isinstance(value, int | float | np.integer | np.floating):
        out[prefix] = float(value)
    elif value is None and prefix:
        out[prefix] = float("nan")
    return out


@dataclass
class FlushBatch:
    """The rows of one commit and what they hold."""

    rows: list[Any] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # session columns to update
    emg_samples: int = 0
    frames: int = 0
    reps: int = 0
    events: int = 0
    data_end_s: float | None = None  # session time of the last EMG sample or frame held


def build_batch(items: list[tuple], sid: int, seq: int) -> FlushBatch:
    """Rows for queued recorder items: ``("emg", index, data, times)``, ``("frame", t_s,
    values)``, ``("rep", RepRecord)``, ``("event", kind, t_s, payload)``,
    ``("stream", index, (name, fs_hz, channels))``, ``("meta", column, value)``.

    The EMG of each source becomes one chunk (float32, samples in arrival order); the
    frames one chunk whose columns are the union of the measures named in the flush.
    """
    emg: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    frames: list[tuple[float, dict[str, float]]] = []
    rows: list[Any] = []
    meta: dict[str, Any] = {}
    for item in items:
        kind = item[0]
        if kind == "emg":
            emg.setdefault(item[1], []).append((item[2], item[3]))
        elif kind == "frame":
            frames.append((item[1], item[2]))
        elif kind == "rep":
            rows.append(item[1].to_row(sid))  # a RepRecord (storage.schema)
        elif kind == "event":
            rows.append(Event(session_id=sid, kind=item[1], t_s=item[2], payload=item[3]))
        elif kind == "stream":
            name, fs, chans = item[2]
            rows.append(
                EmgStream(
                    session_id=sid,
                    source_index=item[1],
                    name=name,
                    fs_hz=fs,
                    channel_names=list(chans),
                )
            )
        elif kind == "meta":
            meta[item[1]] = item[2]
    for index, chunks in sorted(emg.items()):
        data = np.concatenate([c[0] for c in chunks], axis=1)
        times = np.concatenate([c[1] for c in chunks])
        codec, data_blob, times_blob = encode_chunk(data, times)  # lossless, ~0.8x-0.02x
        rows.append(
            EmgChunk(
                session_id=sid,
                source_index=index,
                seq=seq,
                n_channels=data.shape[0],
                n_samples=data.shape[1],
                data=data_blob,
                times=times_blob,
                codec=codec,
            )
        )
    if frames:
        names = sorted({k for _, v in frames for k in v})
        arr = np.full((len(frames), 1 + len(names)), np.nan)
        col = {n: i + 1 for i, n in enumerate(names)}
        for r, (t, v) in enumerate(frames):
            arr[r, 0] = t
            for k, x in v.items():
                arr[r, col[k]] = x
        rows.append(
            FrameChunk(
                session_id=sid, seq=seq, n_frames=len(frames), names=names, data=arr.tobytes()
            )
        )
    ends = [float(c[1][-1]) for cs in emg.values() for c in cs if len(c[1])]
    ends += [float(t) for t, _ in frames[-1:]]
    return FlushBatch(
        rows,
        meta,
        emg_samples=sum(c[0].shape[1] for cs in emg.values() for c in cs),
        frames=len(frames),
        reps=sum(isinstance(r, Rep) for r in rows),
        events=sum(isinstance(r, Event) for r in rows),
        data_end_s=max(ends) if ends else None,
    )


def rep_record_from_dict(score: Mapping[str, Any], exercise: str, index: int) -> RepRecord:
    """A rep given as a dict (``{start_s, end_s, target, spillover, symmetry, quality}``,
    session seconds, quality 0–100) as the stored declaration; other keys go to ``extra``."""
    return RepRecord(
        exercise,
        int(index),
        float(score["start_s"]),
        float(score["end_s"]),
        target_value(score.get("target")),
        opt_float(score.get("symmetry")),
        opt_float(score.get("quality")),
        {str(k): opt_float(v) for k, v in dict(score.get("spillover") or {}).items()},
        jsonable(
            {
                k: v
                for k, v in score.items()
                if k not in (*REP_FIELDS, "exercise", "rep_index")
                or (k == "target" and isinstance(v, Mapping))
            }
        ),
    )


def target_value(v: Any) -> float | None:
    """A rep's target: a number, or the engine's target dict's ``hold_mean_pct``."""
    if isinstance(v, Mapping):
        return opt_float(v.get("hold_mean_pct"))
    return opt_float(v)


def opt_float(v: Any) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


def jsonable(value: Any) -> Any:
    """Plain JSON types (numpy scalars/arrays, dates and tuples converted)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
