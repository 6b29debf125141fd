"""Alembic migrations of the conversation store; run them with ``handoff.storage.migrate.upgrade``
(every server start does) or ``hotline db upgrade``. No alembic.ini: the script location is this
package, so an installed copy migrates the same way as a checkout."""
