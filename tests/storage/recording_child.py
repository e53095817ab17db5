"""A FaceTrainer recording run as a separate process, for the SIGKILL test.

Usage: python recording_child.py DB_URL PATIENT_CODE
Records the live pipeline with the virtual patient (face video, 1 kHz facial EMG) and the
face-analysis stage, and prints ``session ID``, then ``emg FS N_CHANNELS`` once the EMG
source streams, then ``written SAMPLES FRAMES`` after each flush with what is committed so
far. It never ends by itself: the test kills it with SIGKILL.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    from facetrainer.face.live import FaceAnalysisStage
    from facetrainer.pipeline import Pipeline
    from facetrainer.simulation.demo import create_demo_sources
    from facetrainer.storage import SessionRecorder, open_database

    url, code = sys.argv[1], sys.argv[2]
    db = open_database(url)
    pipeline = Pipeline()
    video, emg = create_demo_sources(seed=0)
    pipeline.set_video_source(video)
    pipeline.add_emg_source(emg)
    pipeline.processor.stages.append(FaceAnalysisStage())
    recorder = SessionRecorder(
        db, code, sources={"video": video.name, "emg": [emg.name]}, flush_interval_s=0.25
    )
    recorder.attach(pipeline)
    print("session", recorder.start(), flush=True)
    pipeline.start()
    if emg.wait_ready(30.0):
        assert emg.info is not None
        print("emg", emg.info.fs_hz, emg.info.n_channels, flush=True)
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
                    "target": 50.0,
                    "spillover": {"orbicularis_oculi/left": 10.0},
                    "symmetry": 0.8,
                    "quality": 0.7,
                },
                exercise="open_smile",
            )
            rep += 1


if __name__ == "__main__":
    main()
