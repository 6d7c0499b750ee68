"""Customer e-mail notifications: what happened (events), who is told (plan), queued by the daemon."""
