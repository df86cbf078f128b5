"""The service layer: plain functions that validate, add and flush; the caller commits."""
