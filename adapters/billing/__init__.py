"""Everything that knows the legacy billing schema: SQL text, ODBC connections, type quirks."""
