"""Background work of the cases package, started by the app's lifespan (issue 6 fills this in)."""
from __future__ import annotations

from fastapi import FastAPI


async def case_watch(app: FastAPI) -> None:
    """Runs for the server's lifetime: deadline reminders and escalation."""
