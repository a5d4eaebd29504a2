"""What the runtime needs to run one bot: a frozen, already validated description.

The runtime cannot import ``services``, so the bot worker converts a stored
``BotConfig`` into a :class:`BotSpec` (``services/bot_worker.py``). Every field is
checked where it came from (the configuration's validation); the spec only adds what a
run needs on top: the stake of an entry, the starting balances and the fill model of the
paper venue.

Units: ``stake`` in the quote currency of the bot's symbols (one quote currency per bot);
``balances`` per asset (``{"USDT": Decimal("10000")}``); ``timeframe`` in CCXT spelling
(``"1m"``, ``"1h"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from xor_trading.core.timeframes import Timeframe
from xor_trading.exchanges.simulated.fill_models import VenueConfig
from xor_trading.risk.config import RiskConfig
from xor_trading.risk.exit_manager import ExitConfig
from xor_trading.risk.position_sizer import SizingConfig

DEFAULT_STAKE = Decimal(100)
"""Quote-currency value of one entry when the configuration names none."""

DEFAULT_PAPER_BALANCE = Decimal(10_000)
"""Quote-currency balance a paper bot starts with when the configuration names none."""


class RunMode(StrEnum):
    """``paper``: simulated fills, no keys ever loaded; ``live``: real orders."""

    PAPER = "paper"
    LIVE = "live"


@dataclass(frozen=True, slots=True)
class BotSpec:
    """One bot, ready to assemble. ``params`` is the strategy's complete parameter set in
    JSON form (read only); ``credential_id`` is ``None`` for a paper bot."""

    bot_id: str
    owner_id: str
    strategy: str
    symbols: tuple[str, ...]
    timeframe: str
    params: Mapping[str, Any] = field(default_factory=dict)
    exchange: str = "binance"
    mode: RunMode = RunMode.PAPER
    credential_id: str | None = None
    risk: RiskConfig = field(default_factory=RiskConfig)
    sizing: SizingConfig = field(default_factory=SizingConfig)
    exits: ExitConfig = field(default_factory=ExitConfig)
    stake: Decimal = DEFAULT_STAKE
    balances: Mapping[str, Decimal] = field(default_factory=dict)
    paper_venue: VenueConfig = field(default_factory=VenueConfig)

    def __post_init__(self) -> None:
        if not self.symbols:
            raise ValueError(f"bot {self.bot_id}: a bot trades at least one symbol")
        if self.stake <= 0:
            raise ValueError(f"bot {self.bot_id}: the stake must be positive, got {self.stake}")
        if self.mode is RunMode.LIVE and self.credential_id is None:
            raise ValueError(f"bot {self.bot_id}: a live bot needs a credential id")

    @property
    def timeframe_ms(self) -> int:
        return Timeframe.parse(self.timeframe).ms

    @property
    def is_paper(self) -> bool:
        return self.mode is RunMode.PAPER
