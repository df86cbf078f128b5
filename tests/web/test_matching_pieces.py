"""A run's neighbourhoods go to the piece workers only when the deployment says it has some."""
from classroom.services.matching_pieces import pieces_for_run


def test_runs_solve_in_their_own_process_unless_piece_workers_are_configured(app):
    with app.app_context():
        assert pieces_for_run() is None
        app.config["MATCHING_PIECE_WORKERS"] = 4
        assert pieces_for_run() is None              # no queue, no piece workers
        app.config["MATCHING_QUEUE_URL"] = "redis://127.0.0.1:6379/13"
        pieces = pieces_for_run()
        assert pieces is not None and pieces.in_flight == 4 and pieces.queue.name == "matching-pieces"
        app.config["MATCHING_PIECE_WORKERS"] = 0
        assert pieces_for_run() is None
