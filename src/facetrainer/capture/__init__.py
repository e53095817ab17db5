"""Video sources and face tracking (no Qt)."""
