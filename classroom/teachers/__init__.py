"""teachers blueprint."""
