"""The live session, headless: one model that wires sources, the EMG chains, the exercise
engine, the recorder and the database (see :mod:`facetrainer.live.session_model`)."""
