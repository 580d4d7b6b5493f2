"""Pushing the event stream to WebSocket subscribers, and what each event means outside."""
