"""The live-session model's typed events (psygnal; no Qt).

:class:`SessionEvents` extends a set's events (:class:`facetrainer.exercises.events.SetEvents`)
with the session's own. Signals are emitted on the thread where the change happened (engine
worker, acquisition, GUI). A Qt panel connects with ``thread="main"`` (the app runs
``psygnal.qt.start_emitting_from_queue``) and disconnects when destroyed.
"""

from __future__ import annotations

from psygnal import Signal

from facetrainer.emg.source import ConsumerError
from facetrainer.exercises.events import SetEvents
from facetrainer.source_status import SourceStatus


class SessionEvents(SetEvents):
    """Everything a panel may react to. Set signals (``feedback``, ``phase_changed``,
    ``rep_scored``, ``set_completed``, ``activation``) come from the set in progress."""

    sources_changed = Signal()  # video and/or EMG sources replaced (emg_streams renewed)
    source_state_changed = Signal(SourceStatus)  # a source connected, failed, finished…
    consumer_failed = Signal(ConsumerError)  # a consumer raised and was unsubscribed
    montage_changed = Signal(object)  # Montage | None
    affected_side_changed = Signal(object)  # "left" | "right" | None
    calibration_changed = Signal(object)  # Calibration | None
    patient_changed = Signal(object)  # patient code | None
    database_ready = Signal(object)  # Database
    database_failed = Signal(str)
    set_started = Signal(object)  # Exercise
    set_stopped = Signal()
    recording_started = Signal(int)  # session id
    recording_stopped = Signal(int)  # session id
