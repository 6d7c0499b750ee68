"""The portal store's revisions, oldest first (a package so that the wheel ships them)."""
