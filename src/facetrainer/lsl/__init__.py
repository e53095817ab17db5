"""Lab Streaming Layer: FaceTrainer's streams out (:mod:`.outlet`) and the LSL EMG inlet
(:mod:`facetrainer.emg.lsl_source`), with discovery kept on this machine by default
(:mod:`.scope`). Headless: no Qt here."""
