"""The policy table: which role each route needs, one TOML file per resource.

Each ``<resource>.toml`` maps ``"METHOD /api/v1/path"`` to ``{ role = ..., step_up = ... }``
where ``role`` is ``public``, ``viewer``, ``trader`` or ``admin`` (each role may do what
the roles before it may) and ``step_up`` says the route always needs a fresh MFA
verification. The table is the reviewable statement of who may do what; the tests in
tests/integration/api/test_policy.py compare it with every mounted route (S8, S13).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Literal, cast

PolicyRole = Literal["public", "viewer", "trader", "admin"]
ROLES: tuple[PolicyRole, ...] = ("public", "viewer", "trader", "admin")


@dataclass(frozen=True, slots=True)
class RoutePolicy:
    """Who may call one route."""

    method: str
    path: str
    role: PolicyRole
    step_up: bool
    source: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def load_policy_table() -> dict[str, RoutePolicy]:
    """Every row of every policy file, keyed ``"METHOD /path"``; duplicates are an error."""
    table: dict[str, RoutePolicy] = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        document = tomllib.loads(entry.read_text(encoding="utf-8"))
        for key, spec in document.get("routes", {}).items():
            method, _, path = key.partition(" ")
            role = spec.get("role")
            if role not in ROLES:
                raise ValueError(f"{entry.name}: {key} has role {role!r}; use one of {ROLES}")
            unknown = set(spec) - {"role", "step_up"}
            if unknown:
                raise ValueError(f"{entry.name}: {key} has unknown keys {sorted(unknown)}")
            if key in table:
                raise ValueError(f"{key} is in both {table[key].source} and {entry.name}")
            table[key] = RoutePolicy(
                method=method,
                path=path,
                role=cast(PolicyRole, role),
                step_up=bool(spec.get("step_up", False)),
                source=entry.name,
            )
    return table
