"""The revisions (Alembic skips this file; it makes the directory ship as a package)."""
