"""Surface EMG: sources, ring buffer, causal processing (no Qt)."""
