"""Keyword-only repository functions, one module per domain area.

Each function takes the open `session` and the `workspace_id` it acts in;
callers own the transaction (see `storage.db.SessionFactory.begin`).
"""
