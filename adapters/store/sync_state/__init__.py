"""The sync's bookkeeping: stream states and leases, run history, daemons and manual resync requests."""
