"""CLI commands of this package; registered on the ``hotline`` group by handoff/cli.py."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from handoff.reports.export import FORMATS


def kb_titles(kb_path: Path) -> dict[str, str]:
    """KB id → question, for the missed-topics table; empty when there is no KB yet."""
    if not kb_path.exists():
        return {}
    from kb_sync.store import KnowledgeBase

    return {e["id"]: e["question"] for e in KnowledgeBase(kb_path).entries()}


@click.command("report")
@click.option("--month", required=True, metavar="YYYY-MM", help="Calendar month in Asia/Taipei, e.g. 2023-10.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: stdout for csv/json, hotline-report-YYYY-MM.xlsx for xlsx).")
@click.pass_obj
def report(settings, month: str, fmt: str, output: Path | None) -> None:  # type: ignore[no-untyped-def]
    """The supervisor's monthly report (chats, match rate, waits, satisfaction, cases, quality)."""
    from bot.hours import clock_from_env
    from handoff.reports.export import render, to_csv, to_json
    from handoff.reports.monthly import monthly_report
    from handoff.storage.database import Database

    # HOTLINE_CLOCK, as the server uses it: "now" decides whether an unreplied case is late yet
    now = clock_from_env({"HOTLINE_CLOCK": settings.clock} if settings.clock else {}).now().timestamp()
    db = Database(settings.chat_database_url)
    try:
        titles = kb_titles(settings.kb_db)
        result = db.read_sync(lambda conn: monthly_report(conn, month, now, titles.get))
    finally:
        db.close()
    if output is None and fmt != "xlsx":
        sys.stdout.write(to_json(result) + "\n" if fmt == "json" else to_csv(result))
        return
    target = output or Path(f"hotline-report-{month}.xlsx")
    target.write_bytes(render(result, fmt))
    click.echo(f"wrote {target} ({fmt}, {result.volume.chats} chats in {month})", err=output is None)


COMMANDS: list[click.Command] = [report]
