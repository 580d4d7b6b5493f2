"""The scheduler: a background process manager over the queue (lease expiry, dependencies)."""
