"""Webhook delivery: the outbox, its dispatcher, signing and outbound safety."""
