"""Reads of the past: read models rebuilt from the log up to a position, answered by the queries."""
