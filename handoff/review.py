"""Moved to ``handoff/engineering/review.py`` (issue 16); this name stays only until the engineer's
router moves into that package too."""
from __future__ import annotations

from handoff.engineering.review import *
from handoff.engineering.review import LABEL_FILE, ReviewError  # noqa: F401
