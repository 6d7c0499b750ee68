"""Public pages: terms of service, accessibility statement."""
