"""Is a source's data alive? What every view needs to stop showing a dead stream as live.

A source is alive while it reports STREAMING and its newest data is recent. Anything else —
it failed, it disconnected, a file ended, or it says STREAMING but nothing has arrived for
``STALE_AFTER_S`` — is dead, with the reason a view shows on its greyed traces or face.
"""

from __future__ import annotations

from dataclasses import dataclass

from facetrainer.source_status import SourceState, SourceStatus

STALE_AFTER_S = 1.0  # the promise: a dead stream is shown as such within a second


@dataclass(frozen=True)
class Health:
    alive: bool
    reason: str = ""  # empty while alive


def source_health(status: SourceStatus, newest_data_s: float | None, now_s: float,
                  stale_after_s: float = STALE_AFTER_S) -> Health:
    """Whether to show a source's data as live, and why not.

    Parameters
    ----------
    status : SourceStatus
    newest_data_s : float or None
        App-clock time of its newest sample or frame (None: nothing yet).
    now_s : float
        The app clock now.
    """
    state, message = status.state, status.message
    if state == SourceState.FAILED:
        return Health(False, f"failed: {message}" if message else "failed")
    if state == SourceState.DISCONNECTED:
        return Health(False, f"disconnected: {message}" if message else "disconnected")
    if state == SourceState.FINISHED:
        return Health(False, "the recording ended")
    if state in (SourceState.IDLE, SourceState.CONNECTING):
        return Health(False, f"{state.value}…")
    if newest_data_s is None:
        return Health(False, "no data yet")
    age = now_s - newest_data_s
    if age > stale_after_s:
        return Health(False, f"no data for {age:.1f} s")
    return Health(True)
