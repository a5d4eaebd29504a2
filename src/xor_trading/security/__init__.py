"""Security primitives: passwords, tokens, TOTP, recovery codes, envelope encryption, secrets.

Pure functions and small classes; no database and no FastAPI (see docs/api-development.md).
The services layer combines them with persistence.
"""
