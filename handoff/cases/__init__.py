"""cases (issue 6)."""
