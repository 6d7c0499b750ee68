"""Customer submissions (readings, messages, data changes, e-invoice consent): rules, use cases, status."""
