"""The pages of one customer account: dashboard, invoices, settlements, meters, readings, ..."""
