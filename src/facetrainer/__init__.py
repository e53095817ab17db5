"""FaceTrainer: biofeedback for facial neuromuscular retraining.

FaceTrainer is a training aid, not a diagnostic device. The packages ``capture``,
``face``, ``emg``, ``exercises``, ``simulation``, ``storage`` and ``reports`` form a
headless core that never imports Qt; every widget lives in ``facetrainer.gui``.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "FaceTrainer is a training aid, not a diagnostic device. Its scores and estimates "
    "support practice and documentation; they do not replace a clinician's assessment."
)
