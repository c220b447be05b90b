"""Reading user files and writing certificates (atomic, deterministic)."""
