"""Persistence: SQLAlchemy tables, repositories, the bus recorder and Alembic migrations.

This package is the only importer of SQLAlchemy and Alembic. Engines never import it;
it records what they publish on the bus (architecture rule 2).
"""
