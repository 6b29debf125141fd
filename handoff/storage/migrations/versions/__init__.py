"""Revision scripts, one per schema change; Alembic ignores this file."""
