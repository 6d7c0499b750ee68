"""The sync engine: streams, windows and checkpoints, reconciliation, verification, run history."""
