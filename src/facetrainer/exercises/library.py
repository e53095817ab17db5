"""The exercise library: TOML files, validated on load, extendable from a user folder.

Each file describes one exercise. Scored exercises name their target and watch
regions/muscles, repetitions, hold/rest times, speed guidance and therapist thresholds;
guided items (massage, stretching) are timed steps without scoring. The built-in files
live in ``facetrainer/resources/exercises/``; files in the user folder
(``<user data dir>/exercises/``) add exercises or replace a built-in one with the same id
(this is how a therapist sets a patient's thresholds).

A bad file raises :class:`ExerciseFileError` naming the file, the field and the value.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from facetrainer.exercises.anatomy import MUSCLES, REGIONS

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# Upper limits of a file's numbers: a set of 10**30 reps or a hold of 1e999 s (inf) would
# never end, and `rest_s = nan` would never cue a rep; NaN and infinity are always refused.
MAX_REPS = 1000
MAX_TIME_S = 600.0  # hold, rest, rise/release times and guided steps, per step
MAX_PCT = 1000.0  # thresholds and steps in % of a reference
MAX_FILE_BYTES = 1024**2


class ExerciseFileError(ValueError):
    """An exercise file is unreadable or invalid; the message names file and field."""


@dataclass(frozen=True)
class Thresholds:
    """Therapist-set thresholds, in % of each signal's reference.

    ``target_band_pct`` is the band the target activation should sit in during the hold;
    ``spillover_ceiling_pct`` the level no watch signal should exceed.
    """

    target_band_pct: tuple[float, float] = (40.0, 80.0)
    spillover_ceiling_pct: float = 20.0


@dataclass(frozen=True)
class Shaping:
    """Optional shaping: after ``successes_to_advance`` good reps in a row, the band rises
    by ``target_step_pct`` (up to ``target_max_pct``) and the ceiling falls by
    ``ceiling_step_pct`` (down to ``ceiling_min_pct``)."""

    enabled: bool = False
    successes_to_advance: int = 3
    target_step_pct: float = 5.0
    ceiling_step_pct: float = 2.0
    target_max_pct: float = 90.0
    ceiling_min_pct: float = 10.0


@dataclass(frozen=True)
class Speed:
    """Speed guidance: the slowest acceptable movement is what retraining wants.

    A contraction or release whose 10→90 % rise (fall) time is shorter than ``min_contract_s`` /
    ``min_release_s`` is penalised as too fast.
    """

    min_contract_s: float = 0.6
    min_release_s: float = 0.5
    guidance: str = ""


@dataclass(frozen=True)
class GuidedStep:
    text: str
    duration_s: float


@dataclass(frozen=True)
class Exercise:
    """One library entry (scored when ``kind == "scored"``, else a guided routine)."""

    id: str
    name: str
    kind: str  # "scored" | "guided"
    instructions: str
    emotion_cue: str = ""
    target_regions: tuple[str, ...] = ()
    target_muscles: tuple[str, ...] = ()
    watch_regions: tuple[str, ...] = ()
    watch_muscles: tuple[str, ...] = ()
    reps: int = 1
    hold_s: float = 0.0
    rest_s: float = 0.0
    speed: Speed = field(default_factory=Speed)
    thresholds: Thresholds = field(default_factory=Thresholds)
    shaping: Shaping = field(default_factory=Shaping)
    steps: tuple[GuidedStep, ...] = ()
    source: str = ""  # the file it came from
    score_symmetry: bool = True  # False where left/right of the target is not meaningful

    @property
    def scored(self) -> bool:
        return self.kind == "scored"

    def with_thresholds(self, thresholds: Thresholds) -> Exercise:
        """A copy with other therapist thresholds (validated)."""
        _check_thresholds(thresholds, self.source or self.id)
        return replace(self, thresholds=thresholds)


_SCORED_FIELDS = {
    "id",
    "name",
    "kind",
    "instructions",
    "emotion_cue",
    "target_regions",
    "target_muscles",
    "watch_regions",
    "watch_muscles",
    "reps",
    "hold_s",
    "rest_s",
    "speed",
    "thresholds",
    "shaping",
    "score_symmetry",
}
_GUIDED_FIELDS = {"id", "name", "kind", "instructions", "emotion_cue", "reps", "steps"}


class _Reader:
    """Typed access to one TOML table with errors that name the file and dotted field."""

    def __init__(self, table: dict[str, Any], where: str, prefix: str = "") -> None:
        self.table, self.where, self.prefix = table, where, prefix

    def fail(self, key: str, why: str) -> ExerciseFileError:
        return ExerciseFileError(f"{self.where}: field '{self.prefix}{key}': {why}")

    def has(self, key: str) -> bool:
        return key in self.table

    def raw(self, key: str, default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "missing (required)")
            return default
        return self.table[key]

    def text(self, key: str, default: Any = ...) -> str:
        v = self.raw(key, default)
        if not isinstance(v, str) or (default is ... and not v.strip()):
            raise self.fail(key, f"must be a non-empty string, got {v!r}")
        return v.strip()

    def number(
        self,
        key: str,
        default: Any = ...,
        minimum: float = 0.0,
        strict: bool = False,
        maximum: float = MAX_PCT,
    ) -> float:
        v = self.raw(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(key, f"must be a number, got {v!r}")
        op = ">" if strict else "≥"
        if not math.isfinite(v) or v < minimum or (strict and v == minimum) or v > maximum:
            raise self.fail(key, f"must be {op} {minimum:g} and ≤ {maximum:g}, got {v!r}")
        return float(v)

    def integer(
        self, key: str, default: Any = ..., minimum: int = 1, maximum: int = MAX_REPS
    ) -> int:
        v = self.raw(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or not minimum <= v <= maximum:
            raise self.fail(key, f"must be a whole number from {minimum} to {maximum}, got {v!r}")
        return int(v)

    def names(self, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        v = self.raw(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(key, f"must be a list of names, got {v!r}")
        for x in v:
            if x not in allowed:
                raise self.fail(key, f"unknown name {x!r} (known: {', '.join(allowed)})")
        return tuple(v)

    def sub(self, key: str) -> _Reader:
        v = self.raw(key, {})
        if not isinstance(v, dict):
            raise self.fail(key, f"must be a table, got {v!r}")
        return _Reader(v, self.where, f"{self.prefix}{key}.")

    def only(self, allowed: set[str]) -> None:
        for key in self.table:
            if key not in allowed:
                raise self.fail(key, f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _check_thresholds(t: Thresholds, where: str) -> None:
    lo, hi = t.target_band_pct
    if not 0 < lo < hi:
        raise ExerciseFileError(
            f"{where}: field 'thresholds.target_band_pct': must be "
            f"[low, high] with 0 < low < high, got {[lo, hi]!r}"
        )
    if t.spillover_ceiling_pct <= 0:
        raise ExerciseFileError(
            f"{where}: field 'thresholds.spillover_ceiling_pct': must be "
            f"> 0, got {t.spillover_ceiling_pct!r}"
        )


def _read_scored(r: _Reader, common: dict[str, Any]) -> Exercise:
    r.only(_SCORED_FIELDS)
    targets = r.names("target_regions", REGIONS), r.names("target_muscles", MUSCLES)
    watches = r.names("watch_regions", REGIONS), r.names("watch_muscles", MUSCLES)
    if not targets[0] and not targets[1]:
        raise r.fail(
            "target_regions", "a scored exercise needs at least one target region or target muscle"
        )
    for i, kind in enumerate(("regions", "muscles")):
        both = set(targets[i]) & set(watches[i])
        if both:
            raise r.fail(f"watch_{kind}", f"{sorted(both)} are also targets")
    sp = r.sub("speed")
    sp.only({"min_contract_s", "min_release_s", "guidance"})
    speed = Speed(
        sp.number("min_contract_s", 0.6, maximum=MAX_TIME_S),
        sp.number("min_release_s", 0.5, maximum=MAX_TIME_S),
        sp.text("guidance", ""),
    )
    th = r.sub("thresholds")
    th.only({"target_band_pct", "spillover_ceiling_pct"})
    band = th.raw("target_band_pct", [40.0, 80.0])
    if (
        not isinstance(band, list)
        or len(band) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in band)
        or not all(math.isfinite(x) and x <= MAX_PCT for x in band)
    ):
        raise th.fail(
            "target_band_pct", f"must be [low, high] in % (finite, ≤ {MAX_PCT:g}), got {band!r}"
        )
    thresholds = Thresholds(
        (float(band[0]), float(band[1])), th.number("spillover_ceiling_pct", 20.0)
    )
    _check_thresholds(thresholds, r.where)
    sh = r.sub("shaping")
    sh.only(
        {
            "enabled",
            "successes_to_advance",
            "target_step_pct",
            "ceiling_step_pct",
            "target_max_pct",
            "ceiling_min_pct",
        }
    )
    enabled = sh.raw("enabled", False)
    if not isinstance(enabled, bool):
        raise sh.fail("enabled", f"must be true or false, got {enabled!r}")
    shaping = Shaping(
        enabled,
        sh.integer("successes_to_advance", 3),
        sh.number("target_step_pct", 5.0),
        sh.number("ceiling_step_pct", 2.0),
        sh.number("target_max_pct", 90.0),
        sh.number("ceiling_min_pct", 10.0),
    )
    score_symmetry = r.raw("score_symmetry", True)
    if not isinstance(score_symmetry, bool):
        raise r.fail("score_symmetry", f"must be true or false, got {score_symmetry!r}")
    return Exercise(
        **common,
        target_regions=targets[0],
        target_muscles=targets[1],
        watch_regions=watches[0],
        watch_muscles=watches[1],
        reps=r.integer("reps"),
        hold_s=r.number("hold_s", maximum=MAX_TIME_S),
        rest_s=r.number("rest_s", maximum=MAX_TIME_S),
        speed=speed,
        thresholds=thresholds,
        shaping=shaping,
        score_symmetry=score_symmetry,
    )


def _read_guided(r: _Reader, common: dict[str, Any]) -> Exercise:
    r.only(_GUIDED_FIELDS)
    raw_steps = r.raw("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise r.fail("steps", f"must be a non-empty list of [[steps]] tables, got {raw_steps!r}")
    steps = []
    for i, s in enumerate(raw_steps):
        if not isinstance(s, dict):
            raise r.fail(f"steps[{i}]", f"must be a table, got {s!r}")
        sr = _Reader(s, r.where, f"steps[{i}].")
        sr.only({"text", "duration_s"})
        steps.append(
            GuidedStep(sr.text("text"), sr.number("duration_s", strict=True, maximum=MAX_TIME_S))
        )
    return Exercise(**common, reps=r.integer("reps", 1), steps=tuple(steps))


def parse_exercise(table: dict[str, Any], where: str) -> Exercise:
    """Validate one exercise's TOML table; ``where`` names it in error messages."""
    r = _Reader(table, where)
    ex_id = r.text("id")
    if not ID_PATTERN.match(ex_id):
        raise r.fail("id", f"must be lower-case letters, digits and '_', got {ex_id!r}")
    kind = r.text("kind", "scored")
    if kind not in ("scored", "guided"):
        raise r.fail("kind", f"must be 'scored' or 'guided', got {kind!r}")
    common = dict(
        id=ex_id,
        name=r.text("name"),
        kind=kind,
        instructions=r.text("instructions"),
        emotion_cue=r.text("emotion_cue", ""),
        source=where,
    )
    return _read_scored(r, common) if kind == "scored" else _read_guided(r, common)


def load_exercise_file(path: str | Path) -> Exercise:
    """Read and validate one exercise file; :class:`ExerciseFileError` on any problem."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ExerciseFileError(
                f"{p}: file larger than {MAX_FILE_BYTES} bytes (allowed up to {MAX_FILE_BYTES})"
            )
        table = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ExerciseFileError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExerciseFileError(f"{p}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise ExerciseFileError(f"{p}: not valid TOML: nested too deeply") from None
    return parse_exercise(table, str(p))


def default_user_dir() -> Path:
    """``<user data folder>/exercises`` (e.g. ``~/.local/share/FaceTrainer/exercises``).

    The one definition is :func:`facetrainer.paths.user_exercise_folder`, also printed by
    ``facetrainer --paths`` and shown in Help → About.
    """
    from facetrainer.paths import user_exercise_folder

    return user_exercise_folder()


@dataclass
class Library:
    """All exercises by id, and the problems met while loading user files."""

    exercises: dict[str, Exercise]
    problems: list[str] = field(default_factory=list)

    def __getitem__(self, exercise_id: str) -> Exercise:
        try:
            return self.exercises[exercise_id]
        except KeyError:
            known = ", ".join(sorted(self.exercises))
            raise KeyError(f"unknown exercise {exercise_id!r} (known: {known})") from None

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def scored(self) -> list[Exercise]:
        return [e for e in self.exercises.values() if e.scored]

    def guided(self) -> list[Exercise]:
        return [e for e in self.exercises.values() if not e.scored]


def builtin_dir() -> Path:
    return Path(str(resources.files("facetrainer") / "resources" / "exercises"))


def load_library(user_dir: str | Path | None = None, *, include_user: bool = True) -> Library:
    """Load the built-in exercises, then the user folder's (same id replaces).

    A broken built-in file raises :class:`ExerciseFileError` (a packaging bug); a broken
    user file is skipped and its message kept in ``Library.problems`` so that one typo
    never hides the rest of the library.
    """
    exercises: dict[str, Exercise] = {}
    for path in sorted(builtin_dir().glob("*.toml")):
        ex = load_exercise_file(path)
        if ex.id in exercises:
            raise ExerciseFileError(
                f"{path}: field 'id': {ex.id!r} is already defined in {exercises[ex.id].source}"
            )
        exercises[ex.id] = ex
    problems: list[str] = []
    folder = Path(user_dir) if user_dir is not None else default_user_dir()
    if include_user and folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            try:
                ex = load_exercise_file(path)
            except ExerciseFileError as exc:
                problems.append(str(exc))
                continue
            exercises[ex.id] = ex
    return Library(exercises, problems)
