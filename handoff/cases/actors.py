"""Who acts on cases and which cases each may see, plus the case's local-time helpers.

Supervisors see every case; an agency user only cases dispatched to their own agency (another
agency's case is "not found", so its existence is not revealed); an agent only the cases they
recorded.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from handoff.cases.lifecycle import CaseError

TAIPEI = ZoneInfo("Asia/Taipei")
AGENCY_VISIBLE = ("dispatched", "accepted", "returned", "replied", "closed")


@dataclass(frozen=True)
class Actor:
    username: str
    role: str  # agent | supervisor | agency
    agency: str | None = None


def local_time(ts: float | None) -> str:
    """Epoch seconds as Asia/Taipei wall time, for notification texts."""
    return datetime.fromtimestamp(ts, TAIPEI).strftime("%Y-%m-%d %H:%M") if ts is not None else "—"


def case_number_prefix(ts: float) -> str:
    """ROC year + month + day in Asia/Taipei: 2023-11-30 → 1121130."""
    day = datetime.fromtimestamp(ts, TAIPEI)
    return f"{day.year - 1911:03d}{day.month:02d}{day.day:02d}"


def not_found(case_id: int) -> CaseError:
    return CaseError("not_found", f"case {case_id} not found (or not visible to this account)", 404)


def visible(actor: Actor, case: Mapping[Any, Any]) -> bool:
    """Whether ``actor`` may know this case exists (``case``: a row or its mapping)."""
    if actor.role == "supervisor":
        return True
    if actor.role == "agency":
        return bool(actor.agency) and case["agency"] == actor.agency and case["status"] in AGENCY_VISIBLE
    if actor.role == "agent":
        return case["receiver"] == actor.username
    return False
