"""Sync engine: streams, checkpoints, reconciliation, outbox relay, scheduler."""
