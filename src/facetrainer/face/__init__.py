"""Face analysis: midline, head pose, measures in millimetres, symmetry (no Qt)."""
