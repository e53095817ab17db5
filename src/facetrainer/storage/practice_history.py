"""A patient's practice over the last days: one number per day for "your smile this week".

Change in facial retraining is slow; a patient sees it only across days. For each exercise
the home screen charts its main measure (symmetry where left/right is meaningful, else
quality; see :func:`facetrainer.exercises.practice_plan.main_measure`) as the daily mean of
the stored reps of the last 7 or 30 days. Symmetry (stored 0–1) is shown in %, quality is
0–100 already.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from facetrainer.storage.database import Database
from facetrainer.storage.schema import Patient, Rep, Session

MEASURES = ("symmetry", "quality")


def daily_measure(
    db: Database,
    patient_code: str,
    exercise: str,
    measure: str = "symmetry",
    days: int = 7,
    today: dt.date | None = None,
) -> list[tuple[dt.date, float]]:
    """(day, mean) for each day of the last ``days`` (today included) that has reps.

    Parameters
    ----------
    measure : str
        ``"symmetry"`` (returned in %, 0–100) or ``"quality"`` (0–100).
    today : date, optional
        The last day (default: today, UTC).
    """
    if measure not in MEASURES:
        raise ValueError(f"measure = {measure!r}: must be one of {MEASURES}")
    if int(days) < 1:
        raise ValueError(f"days = {days!r}: must be >= 1")
    last = today or dt.datetime.now(dt.UTC).date()
    first = last - dt.timedelta(days=int(days) - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    column = Rep.symmetry if measure == "symmetry" else Rep.quality
    with db.session() as s:
        rows = s.execute(
            select(Session.started_at, column)
            .join(Session, Rep.session_id == Session.id)
            .join(Patient, Session.patient_id == Patient.id)
            .where(
                Patient.code == patient_code,
                Rep.exercise == exercise,
                Session.started_at >= since,
                column.is_not(None),
            )
        ).all()
    by_day: dict[dt.date, list[float]] = defaultdict(list)
    scale = 100.0 if measure == "symmetry" else 1.0
    for started, value in rows:
        day = (started if started.tzinfo else started.replace(tzinfo=dt.UTC)).date()
        if first <= day <= last and value is not None:
            by_day[day].append(float(value) * scale)
    return [(d, sum(v) / len(v)) for d, v in sorted(by_day.items())]
