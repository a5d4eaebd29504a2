"""The CCXT adapter: the only package of XOR that imports ``ccxt``.

* :mod:`.catalog`: which exchanges CCXT supports and what each can do;
* :mod:`.client`: builds a CCXT client from allowlisted fields only (S11);
* :mod:`.key_check`: validates a user's API key against the venue with read-only calls.
"""
