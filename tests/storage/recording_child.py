"""A FaceTrainer recording run as a separate process, for the SIGKILL test.

Usage: python recording_child.py DB_URL PATIENT_CODE
Records the live pipeline (the astronaut still + BrainFlow's synthetic board) and prints
``session ID`` once, then ``written N`` after each flush with the EMG samples committed
so far. It never ends by itself: the test kills it with SIGKILL.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    from facetrainer.capture.sample_faces import astronaut_portrait
    from facetrainer.capture.video_sources import ImageSource
    from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
    from facetrainer.pipeline import Pipeline
    from facetrainer.storage import SessionRecorder, open_database

    url, code = sys.argv[1], sys.argv[2]
    db = open_database(url)
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait(320, 240), fps=15.0))
    pipeline.add_emg_source(BrainFlowSource(SYNTHETIC_BOARD_ID))
    recorder = SessionRecorder(
        db, code, sources={"video": "astronaut", "emg": "synthetic"}, flush_interval_s=0.25
    )
    recorder.attach(pipeline)
    print("session", recorder.start(), flush=True)
    pipeline.start()
    rep = 0
    last_flushes = -1
    while True:
        time.sleep(0.05)
        if recorder.stats.flushes != last_flushes:
            last_flushes = recorder.stats.flushes
            print("written", recorder.stats.emg_samples, recorder.stats.frames, flush=True)
        t = time.monotonic() - recorder.t0
        if t > rep + 1.0:
            recorder.record_rep(
                {
                    "start_s": rep + 0.2,
                    "end_s": rep + 0.9,
                    "target": 0.5,
                    "spillover": {"eye": 0.1},
                    "symmetry": 0.8,
                    "quality": 0.7,
                },
                exercise="open_smile",
            )
            rep += 1


if __name__ == "__main__":
    main()
