"""The clinician PDF (reportlab platypus + matplotlib charts).

Contents: patient and period, program, sessions, per-exercise scores with trend charts,
symmetry per region over time, synkinesis over time, the assessment photo series with
their measures, the Sunnybrook-/eFACE-style estimates (labelled as estimates), and
FaceTrainer's disclaimer on the first page and in every page's footer.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from facetrainer import DISCLAIMER
from facetrainer.atomic_files import atomic_path, describe_os_error
from facetrainer.reports.charts import line_chart
from facetrainer.reports.estimates import ESTIMATE_LABEL
from facetrainer.reports.report_data import ReportData
from facetrainer.storage.database import StorageError

PHOTO_MEASURES = (
    ("brow_height_mm", "brow"),
    ("palpebral_fissure_mm", "eye"),
    ("commissure_excursion_mm", "mouth"),
)
_STYLES = getSampleStyleSheet()
_SMALL = ParagraphStyle("small", parent=_STYLES["BodyText"], fontSize=7.5, leading=9)
_BOX = ParagraphStyle(
    "box",
    parent=_STYLES["BodyText"],
    fontSize=8.5,
    leading=11,
    backColor=colors.HexColor("#fff4d6"),
    borderPadding=5,
    borderColor=colors.HexColor("#c9a227"),
    borderWidth=0.6,
)


def fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
    data = [
        [
            Paragraph(escape(str(c)), _SMALL) if isinstance(c, str) and len(c) > 28 else c
            for c in row
        ]
        for row in rows
    ]
    t = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t


def _png(data: bytes, width_mm: float) -> Image:
    img = Image(io.BytesIO(data))
    scale = width_mm * mm / img.imageWidth
    img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
    return img


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 6.5)
    # The whole disclaimer on every page, wrapped into the footer's two lines.
    words, lines, line = DISCLAIMER.split(), [], ""
    for w in words:
        if canvas.stringWidth(f"{line} {w}", "Helvetica", 6.5) > A4[0] - 50 * mm:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    for k, text in enumerate(lines[:3]):
        canvas.drawString(15 * mm, (10 - 3 * k) * mm, text)
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"page {doc.page}")
    canvas.restoreState()


def build_story(
    data: ReportData, progress: Callable[[float, str], None] | None = None
) -> list[Any]:
    h1, h2, body = _STYLES["Title"], _STYLES["Heading2"], _STYLES["BodyText"]
    p = data.patient
    story: list[Any] = [Paragraph("FaceTrainer progress report", h1)]
    period = f"{data.start or 'first record'} to {data.end or 'last record'}"
    story.append(
        _table(
            [
                ["patient (pseudonym)", p["code"], "affected side", p["affected_side"]],
                ["cause", p["cause"] or "—", "onset", p["onset_date"] or "—"],
                ["period", period, "generated", data.generated_at.strftime("%Y-%m-%d %H:%M UTC")],
            ],
            [32 * mm, 55 * mm, 28 * mm, 55 * mm],
        )
    )
    story += [Spacer(1, 4 * mm), Paragraph(escape(DISCLAIMER), _BOX), Spacer(1, 3 * mm)]

    story.append(Paragraph("Program", h2))
    if not data.programs:
        story.append(Paragraph("No program recorded.", body))
    for _, spec in data.programs:
        story.append(
            Paragraph(
                f"<b>{escape(spec.name)}</b>, revision {spec.revision}. {escape(spec.notes)}", body
            )
        )
        rows: list[list[Any]] = [["exercise", "reps", "hold s", "rest s", "thresholds", "cue"]]
        for it in spec.items:
            th = ", ".join(f"{k} {v:g}" for k, v in it.thresholds.items()) or "—"
            rows.append(
                [it.exercise, it.reps, fmt(it.hold_s, 1), fmt(it.rest_s, 1), th, it.cue or "—"]
            )
        story.append(_table(rows, [30 * mm, 11 * mm, 13 * mm, 13 * mm, 42 * mm, 62 * mm]))

    story.append(Paragraph("Sessions", h2))
    if data.sessions:
        rows = [["session", "date (UTC)", "kind", "status", "minutes", "reps", "program"]]
        for s in data.sessions:
            status = s.status if s.status != "incomplete" else "incomplete (recovered)"
            rows.append(
                [
                    s.session_id,
                    s.started_at.strftime("%Y-%m-%d %H:%M"),
                    s.kind,
                    status,
                    fmt(s.duration_s / 60.0, 1),
                    len(s.reps),
                    s.program,
                ]
            )
        story.append(_table(rows))
    else:
        story.append(Paragraph("No practice session in this period.", body))
    _markers(story, data)
    if progress:
        progress(0.7, "drawing charts")
    _scores(story, data)
    if progress:
        progress(0.85, "adding the assessments")
    _assessments(story, data)
    return story


def marker_rows(data: ReportData) -> list[list[Any]]:
    """One row per marker of the period: session, its date, time in the session, note."""
    rows = []
    for s in data.sessions:
        for e in s.events:
            if e.get("kind") == "marker":
                t = float(e.get("t_s", 0.0))
                note = str((e.get("payload") or {}).get("note", "")) or "—"
                rows.append([s.session_id, s.started_at.strftime("%Y-%m-%d"),
                             f"{int(t // 60)}:{t % 60:04.1f}", Paragraph(escape(note), _SMALL)])
    return rows


def _markers(story: list[Any], data: ReportData) -> None:
    """Markers set during practice or review, with their notes (when there are any)."""
    rows = marker_rows(data)
    if rows:
        story.append(Paragraph("Markers", _STYLES["Heading2"]))
        story.append(_table([["session", "date (UTC)", "at (min:s)", "note"], *rows],
                            [18 * mm, 25 * mm, 20 * mm, 107 * mm]))


def _scores(story: list[Any], data: ReportData) -> None:
    h2, body = _STYLES["Heading2"], _STYLES["BodyText"]
    if not data.sessions:
        return
    x = [s.started_at for s in data.sessions]
    story.append(Paragraph("Per-exercise scores", h2))
    story.append(
        Paragraph(
            "Means over each session's repetitions. <i>target</i>: activation of the wanted "
            "movement over the hold, in % of its calibrated reference; <i>spillover</i>: "
            "unwanted (synkinetic) activation of the inhibited channels, in % of their "
            "reference; <i>symmetry</i>: 1 = both sides alike; <i>quality</i>: the engine's "
            "overall score (0-100).",
            _SMALL,
        )
    )
    for ex in data.exercises:
        rows: list[list[Any]] = [
            ["session", "date", "reps", "target %", "spillover %", "symmetry", "quality (0-100)"]
        ]
        for s in data.sessions:
            m = s.exercise_means.get(ex)
            if m:
                rows.append(
                    [
                        s.session_id,
                        s.started_at.strftime("%Y-%m-%d"),
                        int(m["n"]),
                        fmt(m.get("target")),
                        fmt(m.get("spillover")),
                        fmt(m.get("symmetry")),
                        fmt(m.get("quality")),
                    ]
                )
        story.append(KeepTogether([Paragraph(f"<b>{escape(ex)}</b>", body), _table(rows)]))
    for key, label in (
        ("quality", "quality (0-100)"),
        ("target", "target activation (% of reference)"),
    ):
        series = {
            ex: [s.exercise_means.get(ex, {}).get(key) for s in data.sessions]
            for ex in data.exercises
        }
        if any(v is not None for vs in series.values() for v in vs):
            story.append(
                _png(line_chart(x, series, f"Per-exercise {label} across sessions", label), 170)
            )
    heading = Paragraph("Symmetry per region over time", h2)
    series = {r: [s.region_symmetry.get(r) for s in data.sessions] for r in data.regions}
    if series:
        chart = line_chart(
            x,
            series,
            "Mean left/right symmetry per face region (1 = symmetric)",
            "symmetry ratio",
            (0, 1.05),
        )
        rows = [["session", *data.regions]]
        for s in data.sessions:
            rows.append([s.session_id, *[fmt(s.region_symmetry.get(r)) for r in data.regions]])
        note = Paragraph(
            "Per session, over all recorded frames: the affected/healthy ratio of each region's "
            "movement from the calibrated rest face when a rest calibration was recorded; "
            "otherwise the smaller/larger ratio of the left and right measures, which mostly "
            "reflects <i>resting</i> symmetry. The per-exercise symmetry above is the movement "
            "symmetry of the repetitions themselves.",
            body,
        )
        story += [KeepTogether([heading, note, _png(chart, 170)]), _table(rows)]
    else:
        story += [heading, Paragraph("No face measures were recorded in this period.", body)]
    heading = Paragraph("Synkinesis over time", h2)
    chans = data.synkinesis_channels
    if chans:
        series = {c: [s.synkinesis.get(c) for s in data.sessions] for c in chans}
        chart = line_chart(
            x,
            series,
            "Mean spillover of inhibited channels per session (lower is better)",
            "spillover (% of reference)",
        )
        rows = [["session", *chans]]
        for s in data.sessions:
            rows.append([s.session_id, *[fmt(s.synkinesis.get(c)) for c in chans]])
        story += [KeepTogether([heading, _png(chart, 170)]), _table(rows)]
    else:
        story += [heading, Paragraph("No spillover was scored in this period.", body)]


def _assessments(story: list[Any], data: ReportData) -> None:
    h2, body = _STYLES["Heading2"], _STYLES["BodyText"]
    story.append(Paragraph("Standard assessment", h2))
    if not data.assessments:
        story.append(Paragraph("No photo assessment in this period.", body))
        return
    story.append(
        Paragraph(f"<b>All scale values below are estimates.</b> {escape(ESTIMATE_LABEL)}.", _BOX)
    )
    rows: list[list[Any]] = [
        [
            "visit",
            "Sunnybrook-style est.: resting",
            "voluntary",
            "synkinesis",
            "composite",
            "eFACE-style est.: static",
            "dynamic",
            "synkinesis",
            "total",
        ]
    ]
    for a in data.assessments:
        sb = a.estimates.get("sunnybrook_estimate", {})
        ef = a.estimates.get("eface_estimate", {})
        rows.append(
            [
                a.taken_at.strftime("%Y-%m-%d"),
                fmt(sb.get("resting")),
                fmt(sb.get("voluntary")),
                fmt(sb.get("synkinesis")),
                fmt(sb.get("composite")),
                fmt(ef.get("static_score"), 1),
                fmt(ef.get("dynamic_score"), 1),
                fmt(ef.get("synkinesis_score"), 1),
                fmt(ef.get("total"), 1),
            ]
        )
    story += [Spacer(1, 2 * mm), _table(rows), Spacer(1, 3 * mm)]
    if len(data.assessments) > 1:
        x = [a.taken_at for a in data.assessments]
        series = {
            "Sunnybrook-style composite (est.)": [
                a.estimates.get("sunnybrook_estimate", {}).get("composite")
                for a in data.assessments
            ],
            "eFACE-style total (est.)": [
                a.estimates.get("eface_estimate", {}).get("total") for a in data.assessments
            ],
        }
        chart = line_chart(
            x,
            series,
            "Estimates across visits (estimates, not a clinical grading)",
            "score (0-100)",
            (0, 105),
        )
        story += [_png(chart, 170), Spacer(1, 3 * mm)]
    for a in data.assessments:
        heading = Paragraph(
            f"Photo series, visit {a.taken_at.strftime('%Y-%m-%d')} "
            "(measures in mm, left / right = the patient's own sides)",
            _STYLES["Heading3"],
        )
        cells: list[Any] = []
        for expression, png, measures in a.photos:
            metrics = measures.get("metrics") or {}
            lines = [f"<b>{escape(expression)}</b>"]
            for key, short in PHOTO_MEASURES:
                m = metrics.get(key)
                if m:
                    lines.append(f"{short} L {fmt(m.get('left'), 1)} / R {fmt(m.get('right'), 1)}")
            cell: list[Any] = [_png(png, 40)] if png else []
            cell.append(Paragraph("<br/>".join(lines), _SMALL))
            cells.append(cell)
        grid = [cells[i : i + 4] for i in range(0, len(cells), 4)]
        if grid:
            grid[-1] = grid[-1] + [""] * (4 - len(grid[-1]))
            t = Table(grid, colWidths=[44 * mm] * 4, hAlign="LEFT")
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(KeepTogether([heading, t]))  # never a heading alone at a page end
        else:
            story.append(heading)


def render_pdf(
    data: ReportData, out: Path | str, progress: Callable[[float, str], None] | None = None
) -> Path:
    """Write the PDF to ``out`` (through a temporary file: a failure leaves ``out`` as it was)."""
    out = Path(out)
    story = build_story(data, progress)
    if progress:
        progress(0.92, "writing the PDF")
    try:
        with atomic_path(out) as tmp:
            doc = SimpleDocTemplate(
                str(tmp),
                pagesize=A4,
                leftMargin=15 * mm,
                rightMargin=15 * mm,
                topMargin=14 * mm,
                bottomMargin=15 * mm,
                title=f"FaceTrainer report {data.patient['code']}",
                author="FaceTrainer",
            )
            doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    except OSError as exc:
        raise StorageError(f"cannot write the PDF {out}: {describe_os_error(exc)}") from None
    return out
