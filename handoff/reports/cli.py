"""CLI commands of this package; registered on the ``hotline`` group by handoff/cli.py."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from handoff.reports.export import FORMATS


def kb_titles(target: Any) -> dict[str, str]:
    """KB id → question, for the missed-topics table; empty when there is no KB yet."""
    from sqlalchemy.exc import SQLAlchemyError

    from kb_sync.store import read_approved

    if isinstance(target, Path) and not target.exists():
        return {}
    try:
        return {e["id"]: e["question"] for e in read_approved(target)}
    except SQLAlchemyError:  # no KB tables in this database yet
        return {}


CADENCES = ("day", "week", "month", "year")


@click.command("report")
@click.option("--day", metavar="YYYY-MM-DD", help="One day in Asia/Taipei, e.g. 2023-10-05.")
@click.option("--week", metavar="YYYY-Www", help="An ISO week (Monday–Sunday), e.g. 2023-W41.")
@click.option("--month", metavar="YYYY-MM", help="A calendar month, e.g. 2023-10.")
@click.option("--year", metavar="YYYY", help="A calendar year, e.g. 2023 (its ranking is the year-end 機關獎).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: stdout for csv/json, hotline-report-<period>.xlsx for xlsx).")
@click.pass_obj
def report(settings, day: str | None, week: str | None, month: str | None, year: str | None,  # type: ignore[no-untyped-def]
           fmt: str, output: Path | None) -> None:
    """The supervisor's report for a day, week, month or year: chats, match rate, person requests,
    waits, satisfaction, cases and agency scores, special cases, comments, quality. Give exactly one
    of --day, --week, --month, --year."""
    from handoff.reports.export import render, to_csv, to_json
    from handoff.reports.figures import ReportError
    from handoff.reports.monthly import period_report
    from handoff.reports.periods import period
    from handoff.storage.clock_anchor import shared_clock
    from handoff.storage.database import Database

    given = [(kind, value) for kind, value in zip(CADENCES, (day, week, month, year)) if value]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --day YYYY-MM-DD, --week YYYY-Www, --month YYYY-MM, --year YYYY")
    kind, value = given[0]
    try:
        span = period(kind, value)
    except ReportError as exc:
        raise click.BadParameter(str(exc), param_hint=f"--{kind}") from exc
    # HOTLINE_CLOCK, as the server uses it: "now" decides whether an unreplied case is late yet
    db = Database(settings.chat_database_url)
    now = shared_clock(db, settings.clock).now().timestamp()
    try:
        titles = kb_titles(settings.kb_db)
        result = db.read_sync(lambda conn: period_report(conn, span, now, titles.get))
    finally:
        db.close()
    if output is None and fmt != "xlsx":
        sys.stdout.write(to_json(result) + "\n" if fmt == "json" else to_csv(result))
        return
    target = output or Path(f"hotline-report-{span.label}.xlsx")
    target.write_bytes(render(result, fmt))
    click.echo(f"wrote {target} ({fmt}, {result.volume.chats} chats in {span.label})", err=output is None)


COMMANDS: list[click.Command] = [report]
