"""Logins and sessions: customers' logins and the accounts each may see, staff with TOTP and their
audit log, sessions, e-mailed tokens, registration and rate limits.
"""
