"""main blueprint."""
