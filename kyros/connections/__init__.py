"""Database connections every store uses: a bounded pool, a watchdog, the preflight
check and the verdict on whether a failure means unavailable."""
