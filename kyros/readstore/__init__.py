"""Read-model storage: one SQL dialect over SQLite and PostgreSQL, and state kept
beside the read models (session activity)."""
