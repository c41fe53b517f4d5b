"""Derived, rebuildable indexes: embedder, vector and keyword indexes, hybrid search, matching."""
