"""The team workspace on a PostgreSQL server: connection, SQL translation, schema and row security."""
