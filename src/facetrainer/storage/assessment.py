"""The standard photo assessment: rest, the five Sunnybrook expressions and eFACE's extras.

:class:`AssessmentCapture` guides a capture step by step (the GUI shows ``step.cue`` and
hands over the newest frame); each photo is tracked (MediaPipe, static-image mode) and
measured with :func:`facetrainer.face.measures.analyse_face` (millimetres from the iris).
:meth:`AssessmentCapture.finish` stores the visit with its Sunnybrook-style and
eFACE-style estimates (:mod:`facetrainer.face.clinical_estimates`), always labelled as estimates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select

from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.patients import get_patient
from facetrainer.storage.schema import Assessment, AssessmentPhoto, Patient

STORED_PHOTO_WIDTH_PX = 640  # photos are stored at most this wide (PNG)


@dataclass(frozen=True)
class AssessmentStep:
    expression: str
    title: str
    cue: str
    scales: tuple[str, ...]


ASSESSMENT_STEPS: tuple[AssessmentStep, ...] = (
    AssessmentStep(
        "rest",
        "Rest",
        "Relax your face completely and look into the camera.",
        ("sunnybrook", "eface"),
    ),
    AssessmentStep(
        "brow_raise",
        "Brow lift",
        "Raise your eyebrows as high as you can.",
        ("sunnybrook", "eface"),
    ),
    AssessmentStep(
        "gentle_eye_closure",
        "Gentle eye closure",
        "Close your eyes gently, as if falling asleep.",
        ("sunnybrook", "eface"),
    ),
    AssessmentStep(
        "open_smile",
        "Open-mouth smile",
        "Smile broadly, showing your teeth.",
        ("sunnybrook", "eface"),
    ),
    AssessmentStep("snarl", "Snarl", "Wrinkle your nose and lift your upper lip.", ("sunnybrook",)),
    AssessmentStep(
        "pucker",
        "Lip pucker",
        "Pucker your lips as if to whistle ('ooo').",
        ("sunnybrook", "eface"),
    ),
    AssessmentStep(
        "tight_eye_closure", "Full eye closure", "Squeeze your eyes shut tightly.", ("eface",)
    ),
    AssessmentStep("eee", "'Eee'", "Say 'eee', showing your lower teeth.", ("eface",)),
)


def measure_photo(rgb: np.ndarray, tracker: Any) -> dict[str, Any]:
    """Track one photo and measure it: ``{"rejected", "metrics", "scale_mm_per_px",
    "eyelids"}``.

    ``metrics`` is ``{measure: {"left": mm, "right": mm}}`` (empty when rejected, e.g.
    no face or a head turned beyond the pose limits); ``eyelids`` holds MRD1/MRD2 the same
    way (:data:`facetrainer.face.measures.EYELID_MEASURE_NAMES`).
    """
    from facetrainer.face.measures import analyse_face

    face = tracker.process(rgb)
    fm = analyse_face(face, rgb)
    return {"rejected": fm.rejected, "metrics": fm.metrics, "scale_mm_per_px": fm.scale_mm_per_px,
            "eyelids": fm.eyelid_metrics}


def encode_png(rgb: np.ndarray, max_width_px: int = STORED_PHOTO_WIDTH_PX) -> bytes:
    img = np.ascontiguousarray(rgb)
    if img.shape[1] > max_width_px:
        h = int(round(img.shape[0] * max_width_px / img.shape[1]))
        img = cv2.resize(img, (max_width_px, h), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode the photo as PNG")
    return buf.tobytes()


def decode_png(data: bytes) -> np.ndarray:
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("stored photo is not a readable PNG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def save_assessment(
    db: Database,
    patient_code: str,
    photos: Mapping[str, tuple[np.ndarray, Mapping[str, Any]]],
    taken_at: dt.datetime | None = None,
    notes: str = "",
) -> int:
    """Store a visit: ``photos[expression] = (rgb, measure_photo(...) result)``; return id.

    The estimates are computed from the measured photos and stored with the visit.
    """
    from facetrainer.face.clinical_estimates import compute_estimates

    patient = get_patient(db, patient_code)
    metrics = {
        ex: dict(m.get("metrics") or {}) for ex, (_, m) in photos.items() if m.get("metrics")
    }
    estimates = compute_estimates(metrics, patient.affected_side)
    with db.session() as s:
        row = Assessment(
            patient_id=patient.id,
            estimates=estimates,
            notes=notes,
            **({"taken_at": taken_at} if taken_at is not None else {}),
        )
        for ex, (rgb, m) in photos.items():
            row.photos.append(
                AssessmentPhoto(expression=ex, image_png=encode_png(rgb), measures=_plain(dict(m)))
            )
        s.add(row)
        s.flush()
        return row.id


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, float | np.floating):
        return float(v) if np.isfinite(v) else None
    if isinstance(v, np.generic):
        return v.item()
    return v


@dataclass
class StoredAssessment:
    assessment_id: int
    taken_at: dt.datetime
    estimates: dict[str, Any]
    photos: list[tuple[str, bytes, dict[str, Any]]]  # (expression, PNG, measures)


def load_assessments(
    db: Database,
    patient_code: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    with_images: bool = True,
) -> list[StoredAssessment]:
    """A patient's assessments in time order (optionally within [start, end))."""
    with db.session() as s:
        q = select(Assessment).join(Patient).where(Patient.code == patient_code)
        if start is not None:
            q = q.where(Assessment.taken_at >= start)
        if end is not None:
            q = q.where(Assessment.taken_at < end)
        out = []
        for a in s.scalars(q.order_by(Assessment.taken_at)).all():
            photos = [
                (p.expression, p.image_png if with_images else b"", dict(p.measures))
                for p in a.photos
            ]
            out.append(StoredAssessment(a.id, a.taken_at, dict(a.estimates), photos))
        return out


class AssessmentCapture:
    """A guided capture: ``capture(rgb)`` for the current step, ``finish()`` to store.

    A photo whose face cannot be measured (no face, head turned) is refused with the
    reason, so the patient can retake it.
    """

    def __init__(
        self,
        db: Database,
        patient_code: str,
        tracker: Any = None,
        steps: tuple[AssessmentStep, ...] = ASSESSMENT_STEPS,
    ) -> None:
        get_patient(db, patient_code)  # unknown patient: clear error before any photo
        self.db = db
        self.patient_code = patient_code
        self.steps = steps
        self.index = 0
        self.photos: dict[str, tuple[np.ndarray, dict[str, Any]]] = {}
        self._tracker = tracker
        self._own_tracker = tracker is None

    @property
    def current(self) -> AssessmentStep | None:
        return self.steps[self.index] if self.index < len(self.steps) else None

    @property
    def done(self) -> bool:
        return self.index >= len(self.steps)

    def _get_tracker(self) -> Any:
        if self._tracker is None:
            from facetrainer.capture.face_tracker import FaceTracker

            self._tracker = FaceTracker(static_image_mode=True)
        return self._tracker

    def capture(self, rgb: np.ndarray) -> dict[str, Any]:
        """Measure ``rgb`` for the current step; advance when it could be measured.

        Returns the measures (``rejected`` says why a photo was refused).
        """
        step = self.current
        if step is None:
            raise StorageError("the assessment is complete: nothing left to capture")
        result = measure_photo(rgb, self._get_tracker())
        if result["rejected"] is None:
            self.photos[step.expression] = (np.array(rgb, copy=True), result)
            self.index += 1
        return result

    def skip(self) -> None:
        """Leave the current expression out (e.g. the patient cannot do it)."""
        if not self.done:
            self.index += 1

    def back(self) -> None:
        """Go back one step to retake it."""
        self.index = max(0, self.index - 1)

    def finish(self, notes: str = "") -> int:
        """Store the visit with its estimates; needs the rest photo."""
        if "rest" not in self.photos:
            raise StorageError("the assessment needs the rest photo before it can be saved")
        try:
            return save_assessment(self.db, self.patient_code, self.photos, notes=notes)
        finally:
            self.close()

    def close(self) -> None:
        if self._own_tracker and self._tracker is not None:
            self._tracker.close()
            self._tracker = None
