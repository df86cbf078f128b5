"""schools blueprint."""
