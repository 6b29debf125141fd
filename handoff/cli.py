"""The ``hotline`` command: one click group for every team's commands."""
from __future__ import annotations

import click

from bot.cli import COMMANDS as NLU_COMMANDS
from handoff.cases.cli import COMMANDS as CASE_COMMANDS
from handoff.engineering.cli import COMMANDS as ENGINEERING_COMMANDS
from handoff.reports.cli import COMMANDS as REPORT_COMMANDS
from handoff.settings import get_settings
from handoff.storage.cli import COMMANDS as DB_COMMANDS
from kb_sync.cli import COMMANDS as KB_COMMANDS


class HotlineGroup(click.Group):
    """Errors raised on purpose (hotline's exception tree) print as one clear line, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from bot.errors import HotlineError

        try:
            return super().invoke(ctx)
        except HotlineError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=HotlineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """hotline: the 普發現金 chatbot, its knowledge base and the live-agent handoff server."""
    ctx.obj = get_settings()
    from handoff import stateless

    stateless.attach(ctx.obj)  # HOTLINE_MODEL_STORE=database: train/deploy/label reach the database


@main.command("serve")
@click.option("--host", help="Listen address (default from HOTLINE_HOST).")
@click.option("--port", type=int, help="Port (default from HOTLINE_PORT).")
@click.pass_obj
def serve(settings, host: str | None, port: int | None) -> None:  # type: ignore[no-untyped-def]
    """Run the HTTP/websocket server."""
    import os

    # Before any OpenMP runtime loads: the encoder's threads would otherwise take both cores
    # from the event loop and stretch reply latency under load (bench/load.py, README).
    os.environ.setdefault("OMP_NUM_THREADS", str(settings.nlu_threads))
    import logging

    import uvicorn

    from handoff.app import create_app

    # The application's warnings (slow collector pauses, Redis reconnects) with their time; uvicorn
    # configures its own loggers.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # No per-message deflate: chat frames are a few hundred bytes, and a zlib context per socket
    # costs CPU on every frame and memory on every idle connection (bench/load.py, README).
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                log_level="info", ws_per_message_deflate=False)


@main.group("user")
def user() -> None:
    """Staff accounts (agent, engineer, supervisor)."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["agent", "engineer", "supervisor", "agency"]), default="agent",
              show_default=True)
@click.option("--agency", help="For --role agency: the agency the user acts for (as in the KB, e.g. 財政部).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@click.option("--capacity", default=3, show_default=True, help="Chats an agent handles at once.")
@click.option("--name", "display_name", help="Display name (default: the username).")
@click.option("--email", help="Where case notifications are e-mailed (when HOTLINE_SMTP_HOST is set).")
@click.pass_obj
def user_add(settings, username: str, role: str, agency: str | None, password: str,  # type: ignore[no-untyped-def]
             capacity: int, display_name: str | None, email: str | None) -> None:
    """Create a staff account with a bcrypt-hashed password."""
    import asyncio

    from sqlalchemy.exc import IntegrityError

    from handoff.auth import hash_password
    from handoff.storage.database import Database
    from handoff.storage.store import SQLConversationStore

    if len(password) < 8:
        raise click.ClickException("password must be at least 8 characters")
    if (role == "agency") != bool(agency):
        raise click.ClickException("--agency is required with --role agency, and only then")
    db = Database(settings.chat_database_url)
    try:
        asyncio.run(SQLConversationStore(db).add_user(username, hash_password(password), role, display_name, capacity,
                                                            agency, email))
    except IntegrityError as exc:
        raise click.ClickException(f"user {username} already exists") from exc
    finally:
        db.close()
    click.echo(f"added {role} {username}")


@user.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Re-enable a disabled account instead.")
@click.pass_obj
def user_disable(settings, username: str, enable: bool) -> None:  # type: ignore[no-untyped-def]
    """Disable an account (its logins and every open token stop working at once), or --enable it."""
    from handoff.auth import set_disabled_sync
    from handoff.storage.database import Database

    db = Database(settings.chat_database_url)
    try:
        if not set_disabled_sync(db, username, not enable):
            raise click.ClickException(f"no user {username}")
    finally:
        db.close()
    click.echo(f"{'enabled' if enable else 'disabled'} {username}")


@user.command("passwd")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@click.pass_obj
def user_passwd(settings, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Set a new password; the user's open tokens are revoked (log in again)."""
    from handoff.auth import set_password_sync
    from handoff.storage.database import Database

    if len(password) < 8:
        raise click.ClickException("password must be at least 8 characters")
    db = Database(settings.chat_database_url)
    try:
        if not set_password_sync(db, username, password):
            raise click.ClickException(f"no user {username}")
    finally:
        db.close()
    click.echo(f"password changed for {username}; their open sessions were logged out")


for command in [*NLU_COMMANDS, *ENGINEERING_COMMANDS, *CASE_COMMANDS, *REPORT_COMMANDS, *DB_COMMANDS, *KB_COMMANDS]:
    main.add_command(command)


if __name__ == "__main__":
    main()
