"""Keep API keys and signatures out of CCXT's debug logs.

CCXT logs every request with its headers at DEBUG (``ccxt.base.exchange``), which puts an
exchange API key (``X-MBX-APIKEY`` and its kin) and request signatures into whatever log
an operator turns on. :func:`install` adds a filter to CCXT's loggers that rewrites such
records with the values masked; a filter on the emitting logger holds whatever level or
handlers someone configures.
"""

from __future__ import annotations

import logging
import re

CCXT_LOGGERS = ("ccxt.base.exchange", "ccxt.async_support.base.exchange")

_CREDENTIAL_FIELD = re.compile(
    r"(?i)(x-mbx-apikey|x-api-key|api-key|apikey|api_key|ok-access-key|ok-access-sign|"
    r"kc-api-key|kc-api-sign|x-bapi-api-key|x-bapi-sign|authorization|passphrase|secret)"
    r"(['\"]?\s*[:=]\s*['\"]?)([^'\",\s}&]+)"
)
_SIGNATURE_PARAM = re.compile(r"(?i)(signature=)([0-9a-z%+/=_-]+)")


def redact(text: str) -> str:
    """``text`` with credential header values and signature parameters masked."""
    text = _CREDENTIAL_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}****", text)
    return _SIGNATURE_PARAM.sub(lambda m: f"{m.group(1)}****", text)


class CredentialRedactingFilter(logging.Filter):
    """Rewrites each record's message with credentials masked (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


_FILTER = CredentialRedactingFilter()


def install() -> None:
    """Attach the filter to CCXT's loggers (idempotent)."""
    for name in CCXT_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
