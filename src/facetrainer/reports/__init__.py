"""FaceTrainer reports (no Qt)."""
