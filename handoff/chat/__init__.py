"""The live chat split by responsibility; handoff/hub.py puts the parts together.

relay (channel names, events) ← conversations (record, lock, state changes) ← floor (sockets,
presence, agents' states) ← queueing (the queue, what the waiting are told, closing) ← assignment
(accept, transfer) ← desk (the agent's side) and turns (the citizen's side: NLU and the bot).
"""
