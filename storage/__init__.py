"""Persistence: SQLModel tables, engine and session factory, repository functions.

Every row belongs to a workspace and every repository function takes the
workspace id, so no query can cross tenants by accident.
"""
