"""The ASGI entry point for process managers: ``create_app_from_environment``.

``xor serve --workers N`` (and any ASGI server) imports it as a factory::

    uvicorn --factory xor_trading.api.asgi:create_app_from_environment

Each worker builds its own container from the ``XOR_*`` settings. It does not migrate
the database: ``xor serve`` (or ``xor db upgrade``) does that once, before any worker
starts, so that workers never race to upgrade.
"""

from __future__ import annotations

from fastapi import FastAPI

from xor_trading.api.app import create_app
from xor_trading.runtime.settings import load_settings
from xor_trading.services.container import build_container


def create_app_from_environment() -> FastAPI:
    """The API over a container built from the environment and the config file.

    Raises :class:`~xor_trading.core.errors.ConfigError` for invalid settings and, in
    production mode, for missing or weak secrets (S12).
    """
    return create_app(build_container(load_settings()), server_process=True)
