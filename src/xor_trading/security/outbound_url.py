"""Check a user-supplied URL before XOR sends anything to it (S11, SSRF).

:func:`validate_outbound_url` accepts a URL only when every address its host resolves to
is a public unicast address, and returns the checked address (``pinned_ip``): the caller
connects to that address, never to the name, so a DNS answer that changes between the
check and the connection (DNS rebinding) cannot redirect the request. The rules:

* ``https`` only; ``http`` only when the server allows it (``allow_insecure_alert_urls``);
* no user information (``user:pass@``, also the ``a\\@b`` parser-confusion form);
* the port is the scheme's default or one of :data:`ALLOWED_PORTS`;
* the host is resolved with ``getaddrinfo`` (so ``2130706433``, ``0x7f.1`` and ``127.1``
  are whatever the system makes of them: 127.0.0.1, refused) and **every** resolved
  address is checked; any refused address refuses the URL. Refused: unspecified,
  loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16
  with the cloud metadata address 169.254.169.254, fe80::/10), CGNAT (100.64/10),
  multicast, reserved and any other non-global range; an IPv6 address that carries an
  IPv4 one (IPv4-mapped, 6to4, Teredo, NAT64) is checked as that IPv4 address too.

Redirects are the caller's concern: delivery never follows them
(services/alert_delivery.py). Every refusal is an :class:`InputError` whose message names
the host and the reason, never the path or query (they may hold a token).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx

from xor_trading.core.errors import InputError

__all__ = [
    "ALLOWED_PORTS",
    "MAX_URL_LENGTH",
    "PUBLIC_HOSTS_HINT",
    "CheckedUrl",
    "address_problem",
    "validate_outbound_url",
]

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"https": 443, "http": 80}
# Ports a webhook receiver commonly listens on besides the defaults. Anything else (22,
# 25, 6379, 5432...) is refused: a URL must not be a way to talk to other protocols.
ALLOWED_PORTS = {"https": frozenset({443, 8443}), "http": frozenset({80, 8080})}
PUBLIC_HOSTS_HINT = "alerts can only go to public hosts"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_METADATA = ipaddress.ip_address("169.254.169.254")
# IETF protocol assignments (RFC 6890): not globally reachable, though some of the
# block passes ``is_global`` in older Pythons.
_IETF_PROTOCOL = ipaddress.ip_network("192.0.0.0/24")


@dataclass(frozen=True, slots=True)
class CheckedUrl:
    """A URL that passed the checks: connect to ``pinned_ip`` on ``port``, and send
    ``host`` as the ``Host`` header and the TLS server name (SNI, certificate check).

    ``target`` is the path and query to request (``/hook?x=1``); ``host`` is the ASCII
    (IDNA) form of the URL's host.
    """

    scheme: str
    host: str
    port: int
    target: str
    pinned_ip: str

    @property
    def host_header(self) -> str:
        """``host`` with the port when it is not the scheme's default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == DEFAULT_PORTS[self.scheme] else f"{name}:{self.port}"

    @property
    def pinned_url(self) -> str:
        """The URL to send the request to: the pinned address instead of the name."""
        ip = f"[{self.pinned_ip}]" if ":" in self.pinned_ip else self.pinned_ip
        return f"{self.scheme}://{ip}:{self.port}{self.target}"


def _refuse(message: str, hint: str = PUBLIC_HOSTS_HINT) -> InputError:
    return InputError(message, hint)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries and that a gateway may route to."""
    embedded: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    if any(address in network for network in _NAT64):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return embedded


def address_problem(address: IpAddress) -> str | None:
    """Why XOR must not connect to ``address`` (``"a loopback address"``), or ``None``
    when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(address):
            problem = address_problem(inner)
            if problem is not None:
                return f"{problem} inside an IPv6 address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address == _METADATA:
        return "the cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT address"
    if address.is_multicast:
        return "a multicast address"
    # Reserved before private: the standard library counts 240/4 and the broadcast
    # address as private too, and "reserved" is the truer reason for them.
    if address.is_reserved or address in _IETF_PROTOCOL:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _shown(address: IpAddress) -> str:
    """The address as people write it: IPv4-mapped ones as ``::ffff:127.0.0.1`` (what
    ``str`` gives differs between Python versions)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def _resolve(host: str, port: int) -> list[IpAddress]:
    """Every address ``host`` resolves to (TCP), in the resolver's order, deduplicated."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _refuse(
            f"the host {host} could not be resolved",
            "check the URL's host name; alerts can only go to public hosts",
        ) from None
    addresses: list[IpAddress] = []
    for info in infos:
        # The scope id (fe80::1%eth0) is not part of the address.
        text = str(info[4][0]).split("%", 1)[0]
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _refuse(f"the host {host} has no address", "check the URL's host name")
    return addresses


def validate_outbound_url(url: str, *, allow_insecure: bool = False) -> CheckedUrl:
    """Check ``url`` (see the module doc) and return where to connect.

    Raises :class:`InputError` with a sentence naming the reason, e.g. ``"the host
    localhost resolves to 127.0.0.1, a loopback address; alerts can only go to public
    hosts"``. Resolves the host name
    (blocking, the system resolver's timeout).
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise _refuse(f"the URL must be 1-{MAX_URL_LENGTH} characters", "give an https:// URL")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise _refuse("the URL is not a valid URL", "give an https:// URL") from None
    scheme = parsed.scheme
    if scheme not in DEFAULT_PORTS:
        raise _refuse(
            f"the URL scheme {scheme or '(none)'!r} is not allowed", "give an https:// URL"
        )
    if scheme == "http" and not allow_insecure:
        raise _refuse(
            "the URL uses http; alerts are only sent over https",
            "give an https:// URL (the operator can allow http with XOR_ALLOW_INSECURE_ALERT_URLS)",
        )
    if parsed.userinfo:
        raise _refuse(
            "the URL contains a user name or password before the host",
            "remove the user@ part; put credentials in the path or use a signing secret",
        )
    try:
        host = parsed.raw_host.decode("ascii").rstrip(".").lower()
    except UnicodeDecodeError:
        raise _refuse("the URL's host is not a valid host name", "give an https:// URL") from None
    if not host:
        raise _refuse("the URL has no host", "give an https:// URL with a host name")
    port = parsed.port or DEFAULT_PORTS[scheme]
    # The address is checked before the port so that the message names the worse problem.
    problems = []
    addresses = _resolve(host, port)
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            problems.append(f"{_shown(address)}, {problem}")
    if problems:
        raise _refuse(
            f"the host {host} resolves to {'; '.join(problems)}; {PUBLIC_HOSTS_HINT}",
            "use the URL of a service reachable on the internet",
        )
    if port != DEFAULT_PORTS[scheme] and port not in ALLOWED_PORTS[scheme]:
        allowed = ", ".join(str(p) for p in sorted(ALLOWED_PORTS[scheme]))
        raise _refuse(
            f"port {port} is not allowed for {scheme} alert URLs",
            f"use the default port or one of {allowed}",
        )
    target = parsed.raw_path.decode("ascii") or "/"
    return CheckedUrl(
        scheme=scheme, host=host, port=port, target=target, pinned_ip=str(addresses[0])
    )
