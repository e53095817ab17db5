"""The one clock every source stamps its data with.

Video frames, face-tracking results and EMG samples all carry times from
:func:`now` (seconds, monotonic), so streams can be aligned without guessing.
"""

import time


def now() -> float:
    """Seconds on the application clock (``time.monotonic``)."""
    return time.monotonic()
