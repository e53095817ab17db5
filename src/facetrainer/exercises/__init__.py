"""The exercise engine: library, activation model, repetition state machine, scores, events.

Headless (no Qt). The GUI panel lives in :mod:`facetrainer.gui.exercise_panel`.
"""
