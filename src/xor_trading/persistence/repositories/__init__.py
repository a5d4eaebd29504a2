"""Repositories: the queries of one aggregate each, taking a ``Session`` per call.

Every query on user-owned rows takes the owner's id and filters on it, so one user can
never read or change another's rows (S1); a row of someone else is simply not found.
"""
