"""CLI commands of this package; registered on the ``hotline`` group by handoff/cli.py."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import click

from handoff.cases.deadlines import badges


def _service(settings: Any, at: str | None) -> Any:
    from handoff.cases.notify import MailConfig, Notifier
    from handoff.cases.service import CaseService
    from handoff.storage.clock_anchor import shared_clock
    from handoff.storage.database import Database

    if at:
        try:
            moment = datetime.fromisoformat(at).timestamp()
        except ValueError as exc:
            raise click.BadParameter(f"{at!r} is not an ISO timestamp such as 2023-11-30T10:00:00+08:00") from exc
        now = lambda: moment
    db = Database(settings.chat_database_url)
    if not at:
        clock = shared_clock(db, settings.clock)  # HOTLINE_CLOCK as the servers read it
        now = lambda: clock.now().timestamp()
    return CaseService(db, Notifier(db, MailConfig.from_settings(settings)), now=now)


@click.group("cases")
def cases() -> None:
    """Cases escalated to agencies (後送案件): deadline sweep and listing."""


@cases.command("sweep")
@click.option("--at", help="Pretend it is this moment (ISO timestamp with offset); default now (or HOTLINE_CLOCK).")
@click.pass_obj
def sweep(settings: Any, at: str | None) -> None:
    """Send the reminders and escalations due now, once (for cron; the server also sweeps every
    HOTLINE_CASE_SWEEP_SECONDS). Running it twice sends nothing new."""
    service = _service(settings, at)

    async def run() -> dict[str, int]:
        totals = await service.sweep()
        await service.notifier.drain()
        return totals

    try:
        totals = asyncio.run(run())
    finally:
        service.db.close()
    click.echo(f"checked {totals['checked']} open cases: {totals['reminders']} reminders before a deadline, "
               f"{totals['overdue']} overdue reminders, {totals['escalations']} escalations")


@cases.command("list")
@click.option("--status", help="Only cases in this status (draft, dispatched, accepted, …).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def list_cases(settings: Any, status: str | None, as_json: bool) -> None:
    """Every case with its status and running deadlines (Asia/Taipei)."""
    from handoff.cases.service import Actor, local_time

    service = _service(settings, None)
    try:
        rows = asyncio.run(service.list(Actor("cli", "supervisor"), status))
    finally:
        service.db.close()
    now = service.now()
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
            continue
        due = "; ".join(f"{b['label']} {local_time(b['due_at'])} ({b['state']})" for b in badges(row, now))
        click.echo(f"{row['number']}  {row['status']:<10} {row['urgency']:<6} {row['agency']}  {due}")


COMMANDS: list[click.Command] = [cases]
