"""The conversation database's tables by area, gathered by ``handoff/storage/schema.py``."""
