"""Alembic migrations of the portal store (a package so that the wheel ships them)."""
