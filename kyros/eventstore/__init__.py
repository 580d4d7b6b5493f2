"""The append-only event log: the eventsourcing application, its transcoder,
PostgreSQL factory and riders, and reads of the log's own table."""
