"""Which query names a route accepts, wherever it declares them: its own ``Query``
parameters (by alias), those of its dependencies, and the fields of a query model; a
model with ``extra="allow"`` accepts any name; WebSockets are not checked."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, WebSocket
from fastapi.testclient import TestClient
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from xor_trading.api.errors import install_error_handlers
from xor_trading.api.query_params import REJECT_UNKNOWN_QUERY_PARAMETERS


class Window(BaseModel):
    since: int = 0
    until_ms: int = Field(default=0, alias="until")


class ByName(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    page_size: int = Field(default=10, alias="pageSize")


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    known: int = 0


async def paging(
    limit: Annotated[int, Query()] = 10,
    cursor: Annotated[str | None, Query(validation_alias=AliasChoices("cursor", "after"))] = None,
) -> None:
    """A dependency declaring query parameters of its own."""


async def outer(_: Annotated[None, Depends(paging)]) -> None:
    """A dependency of a dependency."""


router = APIRouter()


@router.get("/plain")
def plain(
    _: Annotated[None, Depends(outer)],
    state: Annotated[str | None, Query(alias="status")] = None,
) -> dict[str, str | None]:
    return {"status": state}


@router.get("/window")
def window(w: Annotated[Window, Query()]) -> dict[str, int]:
    return {"since": w.since, "until": w.until_ms}


@router.get("/by-name")
def by_name(q: Annotated[ByName, Query()]) -> dict[str, int]:
    return {"page_size": q.page_size}


@router.get("/open")
def open_model(q: Annotated[Open, Query()]) -> dict[str, int]:
    return {"known": q.known}


@router.get("/bare")
def bare() -> dict[str, bool]:
    return {"ok": True}


@router.websocket("/ws")
async def ws(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"query": dict(websocket.query_params)})
    await websocket.close()


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router, prefix="/v1", dependencies=[REJECT_UNKNOWN_QUERY_PARAMETERS])
    return TestClient(app)


@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "limit=5",
        "cursor=c1",
        "after=c1",
        "status=a&status=b&limit=1&cursor=x&after=y",
    ],
)
def test_names_of_the_route_and_of_its_nested_dependencies_are_accepted(
    client: TestClient, query: str
) -> None:
    assert client.get(f"/v1/plain?{query}").status_code == 200


@pytest.mark.parametrize("name", ["state", "Status", "limit_", "zz"])
def test_a_python_name_behind_an_alias_or_a_case_variant_is_unknown(
    client: TestClient, name: str
) -> None:
    response = client.get(f"/v1/plain?{name}=1")

    assert response.status_code == 422
    assert response.json() == {
        "code": "unknown_query_parameter",
        "message": f"unknown query parameter '{name}'",
        "hint": "this route accepts after, cursor, limit, status; "
        "fix the spelling or leave the parameter out",
        "request_id": "",
        "details": [{"field": f"query.{name}", "problem": "not a query parameter of this route"}],
    }


def test_a_query_model_accepts_its_fields_by_alias_not_its_own_name(client: TestClient) -> None:
    accepted = client.get("/v1/window?since=1&until=2")
    refused = client.get("/v1/window?w=1&until_ms=2")

    assert (accepted.status_code, accepted.json()) == (200, {"since": 1, "until": 2})
    assert refused.status_code == 422
    assert refused.json()["message"] == "unknown query parameters 'until_ms', 'w'"
    assert refused.json()["hint"].startswith("this route accepts since, until; ")


def test_a_query_model_populated_by_name_accepts_the_name_and_the_alias(
    client: TestClient,
) -> None:
    assert client.get("/v1/by-name?pageSize=3").json() == {"page_size": 3}
    assert client.get("/v1/by-name?page_size=4").json() == {"page_size": 4}
    assert client.get("/v1/by-name?size=4").status_code == 422


def test_a_query_model_with_extra_allow_accepts_any_name(client: TestClient) -> None:
    response = client.get("/v1/open?known=2&anything=1")

    assert (response.status_code, response.json()) == (200, {"known": 2})


def test_a_route_without_query_parameters_says_so(client: TestClient) -> None:
    response = client.get("/v1/bare?debug=1")

    assert response.status_code == 422
    assert response.json()["hint"] == "this route takes no query parameters; leave them out"
    assert client.get("/v1/bare").status_code == 200


def test_the_message_names_five_unknown_parameters_and_details_list_all(
    client: TestClient,
) -> None:
    response = client.get("/v1/bare?g=1&f=1&e=1&d=1&c=1&b=1&a=1&a=2")

    body = response.json()
    assert body["message"] == "unknown query parameters 'a', 'b', 'c', 'd', 'e' and 2 more"
    assert [d["field"] for d in body["details"]] == [f"query.{n}" for n in "abcdefg"]


def test_a_websocket_route_of_the_same_router_is_not_checked(client: TestClient) -> None:
    with client.websocket_connect("/v1/ws?token_hint=1") as websocket:
        assert websocket.receive_json() == {"query": {"token_hint": "1"}}
