"""reports (issue 6)."""
