"""The billing mirror in the store: batched writes and reads of canonical records, derived data and its
refresh, and what billing holds against its own rules.
"""
