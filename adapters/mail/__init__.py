"""Sending e-mail: the SMTP adapter."""
