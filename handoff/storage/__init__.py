"""Conversation storage behind a small interface; SQL through SQLAlchemy Core (SQLite by default,
PostgreSQL by URL)."""
