"""Private copies of the shared test project, for modules that change its files."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Literal

from bot import model_store
from tests.servers import copy_kb


def private_project(kb_project: Path, home: Path, nlu_data: Literal["copy", "empty", "link"] = "link",
                    chat_db: bool = True) -> Path:
    """A copy of ``kb_project`` in ``home``: its own models/ (the deployed version only),
    ``nlu_data/`` copied, empty or linked, and with ``chat_db`` a chat database holding the same
    KB and staff accounts (without, the caller fills a database of its own)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yml").symlink_to(kb_project / "config.yml")
    if nlu_data == "copy":
        shutil.copytree(kb_project / "nlu_data", home / "nlu_data", symlinks=False)
    elif nlu_data == "empty":
        (home / "nlu_data").mkdir()
    else:
        (home / "nlu_data").symlink_to((kb_project / "nlu_data").resolve(), target_is_directory=True)
    (home / "var").mkdir()
    first = model_store.deployed(kb_project / "models")
    shutil.copytree(first, home / "models" / first.name)
    model_store.deploy(home / "models", first.name)
    if chat_db:
        copy_kb(kb_project / "var" / "chat.db", home / "var" / "chat.db")  # the schema and the KB
        con = sqlite3.connect(home / "var" / "chat.db")
        con.execute("ATTACH DATABASE ? AS seed", (str(kb_project / "var" / "chat.db"),))
        con.execute("INSERT INTO users SELECT * FROM seed.users")
        con.commit()
        con.close()
    return home
