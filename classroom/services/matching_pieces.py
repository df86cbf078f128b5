"""Where a matching run's neighbourhoods are solved: in the run's own process (the default), or on
RQ workers of the `matching-pieces` queue on the matching Redis when `MATCHING_PIECE_WORKERS` is set
(the number of piece worker processes, over all hosts). See docs/scheduler.md, "Several machines".
"""
from __future__ import annotations

from flask import current_app


def pieces_for_run():
    """A `scheduler.distributed.RQPieces` for `scheduler.solve(pieces=...)`, or None."""
    url = current_app.config.get("MATCHING_QUEUE_URL")
    workers = current_app.config.get("MATCHING_PIECE_WORKERS") or 0
    if not url or workers <= 0:
        return None
    from scheduler.distributed import RQPieces
    return RQPieces(url, in_flight=workers)
