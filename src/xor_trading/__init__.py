"""XOR trading platform."""
