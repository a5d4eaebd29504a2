"""In-process message bus."""

from xor_trading.bus.message_bus import MessageBus

__all__ = ["MessageBus"]
