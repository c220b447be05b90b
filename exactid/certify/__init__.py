"""Certificate generation: every exact verdict is written as a checkable certificate."""
