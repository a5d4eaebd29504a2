"""The CCXT adapter: the only package of XOR that imports ``ccxt``.

* :mod:`.catalog`: which exchanges CCXT supports and what each can do;
* :mod:`.client`: builds a CCXT client from allowlisted fields only (S11);
* :mod:`.key_check`: validates a user's API key against the venue with read-only calls;
* :mod:`.live_port`: the live exchange port (orders and account queries, Binance spot),
  built on :mod:`.async_client`, :mod:`.outcome`, :mod:`.response_parsing`,
  :mod:`.request_limiter`, :mod:`.circuit_breaker` and :mod:`.time_sync`.
"""
