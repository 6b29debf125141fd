"""The ``hotline`` command: one click group for every team's commands."""
from __future__ import annotations

import click

from bot.cli import COMMANDS as NLU_COMMANDS
from handoff.settings import get_settings
from kb_sync.cli import kb


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """hotline: the 普發現金 chatbot, its knowledge base and the live-agent handoff server."""
    ctx.obj = get_settings()


@main.command("serve")
@click.option("--host", help="Listen address (default from HOTLINE_HOST).")
@click.option("--port", type=int, help="Port (default from HOTLINE_PORT).")
@click.pass_obj
def serve(settings, host: str | None, port: int | None) -> None:  # type: ignore[no-untyped-def]
    """Run the HTTP/websocket server."""
    import uvicorn

    from handoff.app import create_app

    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port,
                log_level="info")


for command in [*NLU_COMMANDS, kb]:
    main.add_command(command)
