"""Query parameters a route does not declare are refused (422 ``unknown_query_parameter``).

FastAPI ignores them, so ``GET /api/v1/orders?stauts=open`` (a typo) would answer every
order instead of the open ones. :data:`REJECT_UNKNOWN_QUERY_PARAMETERS` is added by
``create_app`` to every router it includes, so every HTTP route under ``/api/v1`` checks
the request's query keys against the names the route declares, at every depth of its
dependencies (``Query`` parameters, their ``alias``/``validation_alias``, and the fields of
a pydantic model taken as ``Query()``).

Contract:

* The check is the first dependency of every route: it runs before authentication, role
  checks, path and query validation and the handler. An unknown parameter is a 422 even
  for an anonymous caller (the names a route accepts are public in the OpenAPI spec) and
  for an object that does not exist.
* Only names count: a declared parameter repeated (``?limit=5&limit=6``) or given an
  invalid value is left to FastAPI as before. Names are case-sensitive, like FastAPI's.
* A route taking a query model with ``extra="allow"`` accepts any name (it asked for them).
* Out of scope: the WebSocket route (``/api/v1/stream`` reads its own query), the docs
  pages and ``openapi.json`` (FastAPI's, not ``APIRoute``), and the dashboard's static files.
"""

from __future__ import annotations

import weakref
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import Depends
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AliasChoices, BaseModel
from pydantic.fields import FieldInfo
from starlette.requests import HTTPConnection

UNKNOWN_QUERY_PARAMETER = "unknown_query_parameter"
# The message names this many unknown parameters; details list every one.
_NAMED_IN_MESSAGE = 5


class UnknownQueryParametersError(Exception):
    """The request named query parameters its route does not declare.

    ``unknown`` and ``accepted`` are sorted and without duplicates.
    """

    def __init__(self, unknown: tuple[str, ...], accepted: tuple[str, ...]) -> None:
        self.unknown = unknown
        self.accepted = accepted
        super().__init__(self.message)

    @property
    def message(self) -> str:
        quoted = [f"'{name}'" for name in self.unknown[:_NAMED_IN_MESSAGE]]
        more = len(self.unknown) - len(quoted)
        listed = ", ".join(quoted) + (f" and {more} more" if more else "")
        noun = "parameter" if len(self.unknown) == 1 else "parameters"
        return f"unknown query {noun} {listed}"

    @property
    def hint(self) -> str:
        if not self.accepted:
            return "this route takes no query parameters; leave them out"
        return (
            f"this route accepts {', '.join(self.accepted)}; "
            "fix the spelling or leave the parameter out"
        )

    @property
    def details(self) -> list[dict[str, str]]:
        return [
            {"field": f"query.{name}", "problem": "not a query parameter of this route"}
            for name in self.unknown
        ]


def accepted_query_parameters(dependant: Dependant) -> frozenset[str] | None:
    """The query names a route reads, over its whole dependency tree; ``None``: any name
    (the route takes a query model with ``extra="allow"``)."""
    names: set[str] = set()
    pending = [dependant]
    while pending:
        node = pending.pop()
        for field in node.query_params:
            model = _query_model(field.field_info.annotation)
            if model is None:
                names.update(_request_names(field.name, field.field_info))
                continue
            config = model.model_config
            if config.get("extra") == "allow":
                return None
            by_alias = config.get("validate_by_alias") is not False
            by_name = bool(config.get("validate_by_name") or config.get("populate_by_name"))
            for name, info in model.model_fields.items():
                if by_alias:
                    names.update(_request_names(name, info))
                if by_name or not by_alias:
                    names.add(name)
        pending.extend(node.dependencies)
    return frozenset(names)


def _query_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model of a ``Query()`` parameter (also ``Model | None``), else None."""
    if get_origin(annotation) in (Union, UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = members[0] if len(members) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _request_names(name: str, info: FieldInfo) -> set[str]:
    """The keys FastAPI reads a field from: its validation alias (or choices), its alias,
    else its name."""
    alias = info.validation_alias
    if isinstance(alias, str):
        return {alias}
    if isinstance(alias, AliasChoices):
        return {choice for choice in alias.choices if isinstance(choice, str)}
    return {info.alias or name}


async def reject_unknown_query_parameters(connection: HTTPConnection) -> None:
    """Raise :class:`UnknownQueryParametersError` when the query names a parameter the
    matched route does not declare.

    ``HTTPConnection``, not ``Request``: routers holding a WebSocket route get this
    dependency too, and it lets WebSockets through unchecked. The route is the one FastAPI
    matched (``scope["route"]``); the integration test calling every GET route fails if a
    FastAPI upgrade stops setting it.
    """
    scope = connection.scope
    if scope["type"] != "http" or not scope.get("query_string"):
        return
    route = scope.get("route")
    if not isinstance(route, APIRoute):
        return
    accepted = _accepted_by(route)
    if accepted is None:
        return
    unknown = set(connection.query_params.keys()) - accepted
    if unknown:
        raise UnknownQueryParametersError(tuple(sorted(unknown)), tuple(sorted(accepted)))


# id(route) -> (the route, its accepted names). Routes are unhashable (Starlette defines
# __eq__); the weak reference drops the entry with its route and guards against a reused id.
# Walking a route's dependencies costs ~20 us; a cached answer, a dict lookup.
_ACCEPTED: dict[int, tuple[weakref.ref[APIRoute], frozenset[str] | None]] = {}


def _accepted_by(route: APIRoute) -> frozenset[str] | None:
    key = id(route)
    cached = _ACCEPTED.get(key)
    if cached is not None and cached[0]() is route:
        return cached[1]
    accepted = accepted_query_parameters(route.dependant)
    _ACCEPTED[key] = (weakref.ref(route, lambda _: _ACCEPTED.pop(key, None)), accepted)
    return accepted


REJECT_UNKNOWN_QUERY_PARAMETERS = Depends(reject_unknown_query_parameters)
"""Pass in ``include_router(..., dependencies=[...])``: it must be the first dependency."""
