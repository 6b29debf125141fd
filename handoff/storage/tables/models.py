"""The model store's database backend (issue 17): content-addressed chunks, files, versions, the
deployed pointer; and training-data edits made by the running service.

Times are epoch seconds (float), so SQLite and PostgreSQL compare and subtract them alike.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Integer, LargeBinary, String, Table, Text

from kb_sync.tables import metadata

# ---- the model store's database backend (issue 17): content-addressed chunks -----------------------
model_chunks = Table(
    # File contents by SHA-256, cut in chunks (bytea on PostgreSQL, BLOB on SQLite); shared between versions.
    "model_chunks", metadata,
    Column("digest", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

model_files = Table(
    "model_files", metadata,
    Column("version", String(64), primary_key=True),
    Column("path", String(400), primary_key=True),  # relative to the version's directory
    Column("digest", String(64), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
)

model_versions = Table(
    # A version is listed only once all its files and chunks are stored (same transaction).
    "model_versions", metadata,
    Column("version", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("files", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
)

model_deployed = Table(
    # The deployed pointer: one row (id 1); changes are also announced on the broker.
    "model_deployed", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", String(64), ForeignKey("model_versions.version"), nullable=False),
    Column("deployed_at", Float, nullable=False),
)

training_examples = Table(
    # Training-data edits made by the running service (labelled misses, approved drafts' examples);
    # ``hotline nlu-data export`` writes them to nlu_data/ YAML for version control.
    "training_examples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file", String(100), nullable=False),  # the nlu_data/ file they belong in
    Column("intent", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)
