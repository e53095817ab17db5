"""Virtual patient profiles: which side is affected, how weak, which movements drag others.

A profile is a TOML file (ready ones in ``resources/profiles/``: ``healthy``,
``flaccid_right``, ``synkinesis_left``), validated on load; every error names the file,
the field and the bad value. Format::

    name = "synkinesis_left"
    description = "..."
    affected_side = "left"          # "left", "right" or "none"

    [paresis]                        # per region, 0 = moves normally … 1 = no movement
    mouth_corner = 0.3

    [[synkinesis]]                   # on the affected side, moving `from` also moves `to`
    from = "mouth_corner"            # by gain × the effort put into `from`
    to = "eye"
    gain = 0.3

    [rest]                           # resting asymmetry of the affected side
    brow_droop_mm = 1.0
    mouth_corner_droop_mm = 1.5
    eye_aperture_mm = -1.0           # negative: narrower than the healthy eye; positive: wider

    [natural]
    jitter = 1.0                     # scale of head sway and tremor (0 = perfectly still)
    blinks_per_min = 12
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from facetrainer.config_files import ConfigFileError, read_config_text

REGIONS: tuple[str, ...] = (
    "brow", "eye", "mouth_corner", "upper_lip", "lips", "lower_lip", "cheek",
)  # fmt: skip
"""Face regions (docs/dev/ARCHITECTURE.md), each per side, the subject's own."""

SIDE_NAMES = ("left", "right")
PROFILE_PACKAGE = "facetrainer.resources.profiles"
_LIMITS = {
    "rest.brow_droop_mm": (-5.0, 10.0),
    "rest.mouth_corner_droop_mm": (-5.0, 10.0),
    "rest.eye_aperture_mm": (-6.0, 4.0),
    "natural.jitter": (0.0, 3.0),
    "natural.blinks_per_min": (0.0, 60.0),
}


class ProfileError(ValueError):
    """A profile file is missing or invalid; the message names file, field and value."""


@dataclass(frozen=True)
class Coupling:
    """Synkinesis on the affected side: effort in ``source`` moves ``target`` by ``gain``×."""

    source: str
    target: str
    gain: float


@dataclass(frozen=True)
class PatientProfile:
    """A validated virtual patient (see the module docstring for the file format)."""

    name: str
    affected_side: str = "none"
    description: str = ""
    paresis: dict[str, float] = field(default_factory=dict)
    synkinesis: tuple[Coupling, ...] = ()
    brow_droop_mm: float = 0.0
    mouth_corner_droop_mm: float = 0.0
    eye_aperture_mm: float = 0.0
    jitter: float = 1.0
    blinks_per_min: float = 12.0
    source: str = ""

    def paresis_of(self, region: str) -> float:
        return float(self.paresis.get(region, 0.0))

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain data (for the truth file), in the file's own layout."""
        d = asdict(self)
        return {
            "name": self.name,
            "description": self.description,
            "affected_side": self.affected_side,
            "paresis": {r: self.paresis_of(r) for r in REGIONS},
            "synkinesis": [
                {"from": c["source"], "to": c["target"], "gain": c["gain"]} for c in d["synkinesis"]
            ],
            "rest": {
                "brow_droop_mm": self.brow_droop_mm,
                "mouth_corner_droop_mm": self.mouth_corner_droop_mm,
                "eye_aperture_mm": self.eye_aperture_mm,
            },
            "natural": {"jitter": self.jitter, "blinks_per_min": self.blinks_per_min},
            "source": self.source,
        }


def _number(where: str, name: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{where}: field '{name}' must be a number, got {value!r}")
    if not lo <= float(value) <= hi:
        raise ProfileError(f"{where}: field '{name}' = {value!r} is outside {lo:g}..{hi:g}")
    return float(value)


def _region(where: str, name: str, value: Any) -> str:
    if value not in REGIONS:
        raise ProfileError(
            f"{where}: field '{name}' = {value!r} is not a region (known: {', '.join(REGIONS)})"
        )
    return str(value)


def _table(where: str, data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> dict:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: field '{key}' must be a table, got {table!r}")
    for k in table:
        if k not in allowed:
            raise ProfileError(f"{where}: unknown field '{key}.{k}' (known: {', '.join(allowed)})")
    return table


def profile_from_dict(data: dict[str, Any], where: str) -> PatientProfile:
    """Validate parsed TOML; ``where`` (the file) starts every error message."""
    top = ("name", "description", "affected_side", "paresis", "synkinesis", "rest", "natural")
    for k in data:
        if k not in top:
            raise ProfileError(f"{where}: unknown field '{k}' (known: {', '.join(top)})")
    name = data.get("name", Path(where).stem)
    if not isinstance(name, str) or not name:
        raise ProfileError(f"{where}: field 'name' must be a non-empty string, got {name!r}")
    side = data.get("affected_side", "none")
    if side not in ("left", "right", "none"):
        raise ProfileError(
            f"{where}: field 'affected_side' = {side!r} must be 'left', 'right' or 'none'"
        )
    paresis_t = data.get("paresis", {})
    if not isinstance(paresis_t, dict):
        raise ProfileError(f"{where}: field 'paresis' must be a table, got {paresis_t!r}")
    paresis = {
        _region(where, f"paresis.{r}", r): _number(where, f"paresis.{r}", v, 0.0, 1.0)
        for r, v in paresis_t.items()
    }
    couplings = []
    entries = data.get("synkinesis", [])
    if not isinstance(entries, list):
        raise ProfileError(f"{where}: field 'synkinesis' must be a list of tables ([[synkinesis]])")
    for i, c in enumerate(entries):
        f = f"synkinesis[{i}]"
        if not isinstance(c, dict):
            raise ProfileError(f"{where}: field '{f}' must be a table, got {c!r}")
        for k in c:
            if k not in ("from", "to", "gain"):
                raise ProfileError(f"{where}: unknown field '{f}.{k}' (known: from, to, gain)")
        for k in ("from", "to", "gain"):
            if k not in c:
                raise ProfileError(f"{where}: field '{f}.{k}' is missing")
        src = _region(where, f"{f}.from", c["from"])
        dst = _region(where, f"{f}.to", c["to"])
        if src == dst:
            raise ProfileError(f"{where}: field '{f}' couples region {src!r} to itself")
        couplings.append(Coupling(src, dst, _number(where, f"{f}.gain", c["gain"], 0.0, 1.0)))
    rest = _table(
        where, data, "rest", ("brow_droop_mm", "mouth_corner_droop_mm", "eye_aperture_mm")
    )
    natural = _table(where, data, "natural", ("jitter", "blinks_per_min"))
    values = {}
    for key, (lo, hi) in _LIMITS.items():
        table, _, k = key.partition(".")
        src_t = rest if table == "rest" else natural
        if k in src_t:
            values[k] = _number(where, key, src_t[k], lo, hi)
    rest_set = [
        k
        for k in ("brow_droop_mm", "mouth_corner_droop_mm", "eye_aperture_mm")
        if values.get(k, 0.0)
    ]
    if side == "none" and (any(paresis.values()) or couplings or rest_set):
        raise ProfileError(
            f"{where}: field 'affected_side' = 'none' but paresis, synkinesis or a resting "
            "asymmetry is set (name the affected side)"
        )
    desc = data.get("description", "")
    if not isinstance(desc, str):
        raise ProfileError(f"{where}: field 'description' must be a string, got {desc!r}")
    return PatientProfile(
        name=name,
        affected_side=side,
        description=desc,
        paresis=paresis,
        synkinesis=tuple(couplings),
        source=where,
        **values,
    )


def available_profiles() -> list[str]:
    """Names of the ready profiles shipped with FaceTrainer."""
    root = resources.files(PROFILE_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_profile(name_or_path: str | Path | None = None) -> PatientProfile:
    """A ready profile by name (default ``synkinesis_left``) or a profile file by path.

    Raises
    ------
    ProfileError
        Unknown name, unreadable file, TOML syntax error or an invalid field.
    """
    if name_or_path is None:
        name_or_path = "synkinesis_left"
    text_path = str(name_or_path)
    path = Path(text_path)
    if path.suffix.lower() == ".toml" or path.exists() or "/" in text_path:
        where = str(path)
        try:
            raw = read_config_text(path, "profile file")
        except OSError as exc:
            raise ProfileError(f"{where}: cannot read profile file ({exc.strerror})") from None
        except ConfigFileError as exc:
            raise ProfileError(str(exc)) from None
    else:
        res = resources.files(PROFILE_PACKAGE).joinpath(f"{text_path}.toml")
        if not res.is_file():
            raise ProfileError(
                f"unknown profile {text_path!r} (ready profiles: "
                f"{', '.join(available_profiles())}; or give a .toml file)"
            )
        where = f"profiles/{text_path}.toml"
        raw = res.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{where}: not a valid TOML file ({exc})") from None
    except RecursionError:
        raise ProfileError(f"{where}: not a valid TOML file (nested too deeply)") from None
    return profile_from_dict(data, where)
