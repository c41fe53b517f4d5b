"""Records: schema and storage, ingest, progress tracking, reports and redaction."""
