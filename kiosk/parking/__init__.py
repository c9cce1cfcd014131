"""The parking lane's devices: the barrier output and the camera endpoint (no Qt)."""
