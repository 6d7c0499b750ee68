"""The portal store: SQLAlchemy tables, migrations, bulk upserts, derived data and the reads on it."""
