"""Tamper evidence: a hash chain over the log, signed checkpoints, verification and exports."""
