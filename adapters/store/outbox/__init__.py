"""Submissions and their way out: customers' submissions with their outbox rows to billing, and the
e-mail outbox with what may be news.
"""
