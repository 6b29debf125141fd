"""The semantic engineer's journey in one package (issue 16).

    misslog.py   the miss log: every bot-handled citizen turn with its prediction, text masked
    review.py    clusters, label, ignore, propose; the regression gate, deploy and rollback
    training.py  a candidate model trained off the event loop (one at a time per process)
    api.py       its REST routes (/api/misses/*, /api/match-rate, /api/models/*)
    cli.py       its commands (hotline misses …, compare, deploy, rollback, match-rate)

It may import ``bot`` and ``kb_sync`` and the server's storage; nothing in ``bot`` or ``kb_sync``
imports it (tests/test_layers.py).
"""
