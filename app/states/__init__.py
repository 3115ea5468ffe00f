"""State machines and their append-only history (``machine``: the generic ``Machine``;
``history``: the ``status_history`` table). Each area declares its own tables in its
``states.py``; see docs/state-machines.md.

A layer of its own, just above ``app.extensions``: every domain area uses it, and it uses
only the database session, the error types and ``app.database``.
"""
