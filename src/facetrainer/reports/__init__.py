"""Clinician reports (PDF, CSV, JSON, EDF+), progress history and the assessment estimates.

Headless (no Qt). Entry points: :func:`facetrainer.reports.report_command.make_report`
(also ``facetrainer report``) and :func:`facetrainer.reports.history.progress_history`.
"""
