"""coordinator blueprint."""
