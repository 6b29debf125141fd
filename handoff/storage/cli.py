"""``hotline db``: the conversation store's schema revision (Alembic), and moving its rows.

Every server start upgrades anyway; ``hotline db upgrade`` lets a deployment migrate once before
starting the app replicas, ``hotline db current`` shows where a database stands, and
``hotline db copy`` moves an embedded SQLite chat.db into PostgreSQL.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from handoff.storage.model_db import DatabaseModels


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# Its own help names too: click caches a command's help option the first time it is asked for, so a
# group also invoked on its own (as the tests do) must not depend on the root group's settings.
@click.group("db", context_settings={"help_option_names": ["-h", "--help"]})
def db() -> None:
    """The conversation database's schema (migrations)."""


@db.command("upgrade")
@click.option("--url", help="Database URL (default: HOTLINE_DATABASE_URL, endpoints.yml, or var/chat.db).")
@click.pass_obj
def db_upgrade(settings: object, url: str | None) -> None:
    """Migrate the database to the newest schema revision (safe to run from several hosts at once)."""
    from sqlalchemy import create_engine

    from handoff.storage.database import engine_url
    from handoff.storage.migrate import current, head, upgrade

    url = url or settings.chat_database_url  # type: ignore[attr-defined]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(engine_url(url))
    try:
        before = current(engine)
        upgrade(engine)
        after = current(engine)
    finally:
        engine.dispose()
    state = "already at" if before == after else f"{before or 'unversioned'} →"
    click.echo(f"{_display(url)}: {state} {after} (head {head()})")


@db.command("current")
@click.option("--url", help="Database URL (default: HOTLINE_DATABASE_URL, endpoints.yml, or var/chat.db).")
@click.pass_obj
def db_current(settings: object, url: str | None) -> None:
    """Print the database's schema revision and whether it is the newest."""
    from sqlalchemy import create_engine

    from handoff.storage.database import engine_url
    from handoff.storage.migrate import current, head

    url = url or settings.chat_database_url  # type: ignore[attr-defined]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        if not Path(url.removeprefix("sqlite:///")).exists():
            raise click.ClickException(f"no database file at {url.removeprefix('sqlite:///')}")
    engine = create_engine(engine_url(url))
    try:
        revision = current(engine)
    finally:
        engine.dispose()
    newest = head()
    note = "(head)" if revision == newest else f"(head is {newest}; run: hotline db upgrade)"
    click.echo(f"{revision or 'unversioned'} {note}")


@db.command("copy")
@click.argument("source")
@click.option("--to", "target", help="Target database URL (default: the configured one, e.g. PostgreSQL "
              "from endpoints.yml).")
@click.pass_obj
def db_copy(settings: object, source: str, target: str | None) -> None:
    """Copy every row from SOURCE (e.g. sqlite:///var/chat.db) into an empty target database."""
    from sqlalchemy import create_engine

    from handoff.storage.copy import TargetNotEmptyError, copy_database
    from handoff.storage.database import engine_url

    target = target or settings.chat_database_url  # type: ignore[attr-defined]
    if engine_url(source) == engine_url(target):
        raise click.ClickException("source and target are the same database")
    if source.startswith("sqlite:///"):
        from pathlib import Path

        if not Path(source.removeprefix("sqlite:///")).exists():
            raise click.ClickException(f"no database file at {source.removeprefix('sqlite:///')}")
    source_engine, target_engine = create_engine(engine_url(source)), create_engine(engine_url(target))
    try:
        counts = copy_database(source_engine, target_engine, echo=click.echo)
    except TargetNotEmptyError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        source_engine.dispose()
        target_engine.dispose()
    click.echo(f"copied {sum(counts.values())} rows into {_display(target)}")


@click.group("nlu-data", context_settings={"help_option_names": ["-h", "--help"]})
def nlu_data() -> None:
    """Training-data edits the running service stored in the database (HOTLINE_MODEL_STORE=database)."""


@nlu_data.command("export")
@click.option("--to", "target", type=click.Path(path_type=Path, file_okay=False),
              help="The directory to write (default: HOTLINE_NLU_DATA, i.e. nlu_data/).")
@click.pass_obj
def nlu_data_export(settings: object, target: Path | None) -> None:
    """Write labelled misses and approved entries' examples from the database into nlu_data/ YAML
    (for version control and the next training); examples already in a file are not repeated."""
    from handoff.storage import training
    from handoff.storage.database import make_engine

    target = target or settings.path(settings.nlu_data)  # type: ignore[attr-defined]
    engine = make_engine(settings.chat_database_url)  # type: ignore[attr-defined]
    try:
        written = training.export(engine, target)
    finally:
        engine.dispose()
    if not written:
        click.echo("no training-data edits stored in the database")
    for file, count in sorted(written.items()):
        click.echo(f"{target / file}: {count} new examples")


@click.group("models", context_settings={"help_option_names": ["-h", "--help"]})
def models() -> None:
    """Model versions in the database model store (HOTLINE_MODEL_STORE=database)."""


def _model_store(settings: object) -> DatabaseModels:
    from handoff.storage.model_db import DatabaseModels

    return DatabaseModels(settings.chat_database_url)  # type: ignore[attr-defined]


@models.command("list")
@click.pass_obj
def models_list(settings: object) -> None:
    """The versions stored in the database and which one is deployed."""
    from bot.model_store import DEPLOYED, PREVIOUS

    store = _model_store(settings)
    deployed, previous = store.pointer(DEPLOYED), store.pointer(PREVIOUS)
    versions = store.versions()
    if not versions:
        click.echo("no model versions in the database: hotline models push")
    for version in versions:
        mark = " (deployed)" if version == deployed else " (previous)" if version == previous else ""
        click.echo(version + mark)


@models.command("push")
@click.option("--deploy-if-none", is_flag=True, help="Deploy the newest version when none is deployed yet "
              "(a new deployment's first start).")
@click.pass_obj
def models_push(settings: object, deploy_if_none: bool) -> None:
    """Store every model version of the local models/ in the database (already stored ones are
    skipped; files shared between versions are stored once)."""
    from bot import model_store
    from bot.model_store import DEPLOYED

    models_dir = settings.path(settings.models_dir)  # type: ignore[attr-defined]
    local = model_store.local_versions(models_dir)
    if not local:
        raise click.ClickException(f"no model version in {models_dir}: hotline train")
    store = _model_store(settings)
    for version in local:
        store.push(models_dir / version)
        click.echo(f"stored {version}")
    if deploy_if_none and store.pointer(DEPLOYED) is None:
        store.set_pointer(DEPLOYED, local[-1])
        click.echo(f"deployed {local[-1]} (nothing was deployed)")


COMMANDS: list[click.Command] = [db, nlu_data, models]
