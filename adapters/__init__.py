"""Canonical records and the small interfaces that billing and store adapters implement."""
