"""CLI commands of this package; registered on the ``hotline`` group by handoff/cli.py."""
from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
