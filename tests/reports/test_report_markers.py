"""Markers and their notes appear in the clinician report."""

from __future__ import annotations

from facetrainer.reports.report_command import ReportRequest, make_report
from facetrainer.storage.markers import add_marker


def test_markers_with_notes_are_listed_in_the_pdf(history, tmp_path, pdf_text):
    db, _url, sessions = history
    add_marker(db, sessions[1].session_id, 45.5, "left eye narrowed during the smile")
    pdf = tmp_path / "r.pdf"
    make_report(db, ReportRequest("P001", pdf))
    text = " ".join(pdf_text(pdf).split())
    assert "Markers" in text
    assert "left eye narrowed during the smile" in text
    assert text.count("start of practice") == len(sessions)  # the live marker of each session
    assert "0:45.5" in text  # 45.5 s into the session
