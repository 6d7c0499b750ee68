"""Logging in and out, passwords, sessions' owners, attempt limits."""
