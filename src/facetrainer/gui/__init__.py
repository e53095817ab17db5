"""All of FaceTrainer's Qt code. Widgets read the core's state and draw; they own no data."""
