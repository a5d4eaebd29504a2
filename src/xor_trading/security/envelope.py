"""Envelope encryption of stored secrets (exchange API secrets, TOTP seeds): AES-256-GCM.

Each secret gets its own random 256-bit data-encryption key (DEK). The DEK encrypts the
plaintext; a key-encryption key (KEK, from ``XOR_KEK``) encrypts ("wraps") the DEK. Only
the sealed parts are stored: the KEK id, the wrapped DEK, the nonce and the ciphertext.

Both layers are AES-GCM with a fresh random 96-bit nonce per encryption and the same
associated data (AAD), which names the owner and the row (:func:`aad_for`). So:

* a sealed secret copied into another user's row does not open (the AAD differs);
* one flipped bit anywhere (ciphertext, tag, nonce, AAD, wrapped DEK) does not open;
* rotating the KEK re-wraps the DEKs (:meth:`EnvelopeCipher.rewrap`) without
  re-encrypting the secrets, and once the old KEK leaves the ring it opens nothing.

Every failure to open raises :class:`SecretTamperedError`; the caller never learns which
layer failed. Random 96-bit nonces stay safe far beyond our volume: the NIST bound of
2**32 encryptions per key applies per DEK, and each DEK encrypts exactly once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xor_trading.core.errors import XorError

__all__ = [
    "AAD_VERSION",
    "KEY_BYTES",
    "NONCE_BYTES",
    "EnvelopeCipher",
    "KeyRing",
    "SealedSecret",
    "SecretTamperedError",
    "aad_for",
]

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the GCM standard nonce size
TAG_BYTES = 16
AAD_VERSION = "v1"
_WRAP_CONTEXT = b"xor-dek-wrap|"  # separates the wrapping layer's AAD from the data layer's


class SecretTamperedError(XorError):
    """A sealed secret does not open: altered, moved to another row, or its KEK is gone."""

    code = "secret_tampered"


@dataclass(frozen=True)
class SealedSecret:
    """What is stored for one secret; none of it reveals the plaintext or the keys.

    ``wrapped_dek`` is the wrapping nonce (12 bytes) followed by the DEK encrypted under
    the KEK ``kek_id`` with its tag (48 bytes). ``ciphertext`` includes the GCM tag.
    """

    kek_id: str
    wrapped_dek: bytes
    nonce: bytes
    ciphertext: bytes


def aad_for(*parts: str) -> bytes:
    """The associated data binding a secret to where it is stored, e.g. (user id, row id).

    ``aad_for("u1", "c1") == b"v1|u1|c1"``. Parts must not contain ``|`` (ids never do),
    so that two different part lists can never give the same bytes.
    """
    if not parts:
        raise ValueError("aad_for needs at least one part (the owner id)")
    for part in parts:
        if "|" in part:
            raise ValueError(f"an AAD part cannot contain '|': {part!r}")
    return "|".join((AAD_VERSION, *parts)).encode()


class KeyRing:
    """The key-encryption keys by id, and which one seals new secrets (``current``).

    Old KEKs stay in the ring until every secret is re-wrapped under the current one.
    """

    def __init__(self, keks: Mapping[str, bytes], current: str) -> None:
        if not keks:
            raise ValueError("a key ring needs at least one KEK")
        for kek_id, kek in keks.items():
            if not kek_id or "|" in kek_id or len(kek_id) > 32:
                raise ValueError(f"KEK id {kek_id!r} must be 1-32 characters without '|'")
            if not isinstance(kek, bytes) or len(kek) != KEY_BYTES:
                raise ValueError(f"KEK {kek_id!r} must be exactly {KEY_BYTES} bytes")
        if current not in keks:
            raise ValueError(f"the current KEK {current!r} is not in the ring")
        self._keks = dict(keks)
        self.current = current

    @property
    def kek_ids(self) -> frozenset[str]:
        return frozenset(self._keks)

    def aead(self, kek_id: str) -> AESGCM:
        """The AES-GCM instance of ``kek_id``; :class:`SecretTamperedError` if unknown."""
        kek = self._keks.get(kek_id)
        if kek is None:
            raise SecretTamperedError(
                f"the secret was sealed with key {kek_id!r}, which this server does not have",
                "restore the previous XOR_KEK or re-enter the secret",
            )
        return AESGCM(kek)

    def __repr__(self) -> str:  # never print key bytes
        return f"KeyRing(ids={sorted(self._keks)}, current={self.current!r})"


def _tampered() -> SecretTamperedError:
    return SecretTamperedError(
        "a stored secret failed its integrity check (altered, or moved from another record)",
        "re-enter the secret; if it recurs, check the database for tampering",
    )


class EnvelopeCipher:
    """Seal and open secrets with per-secret DEKs wrapped by the ring's KEKs."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def seal(self, plaintext: bytes, aad: bytes) -> SealedSecret:
        """Encrypt ``plaintext`` under a fresh DEK bound to ``aad``; wrap the DEK."""
        dek = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        nonce = os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(dek).encrypt(nonce, plaintext, aad)
        kek_id = self.ring.current
        return SealedSecret(kek_id, self._wrap(kek_id, dek, aad), nonce, ciphertext)

    def open(self, sealed: SealedSecret, aad: bytes) -> bytes:
        """The plaintext; :class:`SecretTamperedError` on any mismatch or unknown KEK."""
        dek = self._unwrap(sealed, aad)
        if len(sealed.nonce) != NONCE_BYTES:
            raise _tampered()
        try:
            return AESGCM(dek).decrypt(sealed.nonce, sealed.ciphertext, aad)
        except InvalidTag:
            raise _tampered() from None

    def rewrap(self, sealed: SealedSecret, aad: bytes) -> SealedSecret:
        """The same secret with its DEK wrapped by the current KEK (KEK rotation).

        The nonce and ciphertext are unchanged (the plaintext is never decrypted). ``aad``
        is the secret's associated data: the wrapping layer is bound to it too, so the DEK
        cannot be unwrapped without it. :class:`SecretTamperedError` if it does not open.
        """
        dek = self._unwrap(sealed, aad)
        kek_id = self.ring.current
        return SealedSecret(kek_id, self._wrap(kek_id, dek, aad), sealed.nonce, sealed.ciphertext)

    def _wrap(self, kek_id: str, dek: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        wrap_aad = _WRAP_CONTEXT + kek_id.encode() + b"|" + aad
        return nonce + self.ring.aead(kek_id).encrypt(nonce, dek, wrap_aad)

    def _unwrap(self, sealed: SealedSecret, aad: bytes) -> bytes:
        aead = self.ring.aead(sealed.kek_id)
        if len(sealed.wrapped_dek) != NONCE_BYTES + KEY_BYTES + TAG_BYTES:
            raise _tampered()
        nonce, wrapped = sealed.wrapped_dek[:NONCE_BYTES], sealed.wrapped_dek[NONCE_BYTES:]
        wrap_aad = _WRAP_CONTEXT + sealed.kek_id.encode() + b"|" + aad
        try:
            return aead.decrypt(nonce, wrapped, wrap_aad)
        except InvalidTag:
            raise _tampered() from None
