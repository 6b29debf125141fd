"""Moved to ``handoff/engineering/misslog.py`` (the semantic engineer's package, issue 16); this name
stays until ``handoff/hub.py`` and ``handoff/services.py`` import the new one."""
from __future__ import annotations

from handoff.engineering.misslog import MissLog

__all__ = ["MissLog"]
