"""The outbound URL check (S11): which URLs XOR may send alerts to, and where it connects.

Host names other than numeric forms and ``localhost`` are answered by a fake resolver
(``fake_dns``), so nothing here touches the network.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import pytest

from xor_trading.core.errors import InputError
from xor_trading.security.outbound_url import address_problem, validate_outbound_url

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
TAIL = "; alerts can only go to public hosts"

FakeDns = Callable[[dict[str, list[str]]], list[str]]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    """``fake_dns({"name": ["ip", ...]})`` makes those names resolve to those addresses
    (other names go to the real resolver); returns the list of names looked up."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def install(names: dict[str, list[str]]) -> list[str]:
        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
            asked.append(str(host))
            if host in names:
                return [
                    (
                        socket.AF_INET6 if ":" in ip else socket.AF_INET,
                        socket.SOCK_STREAM,
                        6,
                        "",
                        (ip, port, 0, 0) if ":" in ip else (ip, port),
                    )
                    for ip in names[host]
                ]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return asked

    return install


def refusal(url: str, *, allow_insecure: bool = True) -> str:
    with pytest.raises(InputError) as caught:
        validate_outbound_url(url, allow_insecure=allow_insecure)
    return caught.value.message


# -- what is accepted, and where XOR connects ---------------------------------------------


def test_a_public_https_url_is_pinned_to_the_checked_address(fake_dns: FakeDns) -> None:
    asked = fake_dns({"hooks.example.net": [PUBLIC_V4]})
    checked = validate_outbound_url("https://Hooks.Example.NET./in/abc?x=1&y=%20")
    assert (checked.scheme, checked.host, checked.port) == ("https", "hooks.example.net", 443)
    assert checked.target == "/in/abc?x=1&y=%20"
    assert checked.pinned_ip == PUBLIC_V4
    assert checked.pinned_url == f"https://{PUBLIC_V4}:443/in/abc?x=1&y=%20"
    assert checked.host_header == "hooks.example.net"
    assert asked == ["hooks.example.net"]


def test_an_ipv6_pinned_address_and_an_allowed_port_are_written_as_urls_need(
    fake_dns: FakeDns,
) -> None:
    fake_dns({"v6.example.net": [PUBLIC_V6]})
    checked = validate_outbound_url("https://v6.example.net:8443/")
    assert checked.pinned_url == f"https://[{PUBLIC_V6}]:8443/"
    assert checked.host_header == "v6.example.net:8443"


def test_http_is_refused_unless_the_server_allows_it(fake_dns: FakeDns) -> None:
    fake_dns({"hooks.example.net": [PUBLIC_V4]})
    assert refusal("http://hooks.example.net/", allow_insecure=False) == (
        "the URL uses http; alerts are only sent over https"
    )
    checked = validate_outbound_url("http://hooks.example.net:8080/x", allow_insecure=True)
    assert checked.pinned_url == f"http://{PUBLIC_V4}:8080/x"


# -- what is refused, and the sentence saying why -----------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.net/", "the URL scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "the URL scheme 'file' is not allowed"),
        ("javascript:alert(1)", "the URL scheme 'javascript' is not allowed"),
        ("hooks.example.net/x", "the URL scheme '(none)' is not allowed"),
        (
            "https://user:pw@hooks.example.net/",
            "the URL contains a user name or password before the host",
        ),
        (
            "https://hooks.example.net\\@127.0.0.1/",
            "the URL contains a user name or password before the host",
        ),
        ("http://0177.0.0.1/", "the URL is not a valid URL"),
        ("https://hooks.example.net:22/", "port 22 is not allowed for https alert URLs"),
        ("https://hooks.example.net:6379/", "port 6379 is not allowed for https alert URLs"),
        ("http://hooks.example.net:443/", "port 443 is not allowed for http alert URLs"),
        ("", "the URL must be 1-2048 characters"),
        ("https://hooks.example.net/" + "a" * 2048, "the URL must be 1-2048 characters"),
    ],
)
def test_malformed_or_unsafe_urls_are_refused_before_any_connection(
    fake_dns: FakeDns, url: str, message: str
) -> None:
    fake_dns({"hooks.example.net": [PUBLIC_V4]})
    assert refusal(url) == message


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "the host 127.0.0.1 resolves to 127.0.0.1, a loopback address"),
        ("http://127.0.0.2:8080/", "the host 127.0.0.2 resolves to 127.0.0.2, a loopback address"),
        ("http://[::1]/", "the host ::1 resolves to ::1, a loopback address"),
        ("http://2130706433/", "the host 2130706433 resolves to 127.0.0.1, a loopback address"),
        ("http://0x7f.1/", "the host 0x7f.1 resolves to 127.0.0.1, a loopback address"),
        ("http://127.1/", "the host 127.1 resolves to 127.0.0.1, a loopback address"),
        ("http://0.0.0.0/", "the host 0.0.0.0 resolves to 0.0.0.0, the unspecified address"),
        ("http://[::]/", "the host :: resolves to ::, the unspecified address"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "the host 169.254.169.254 resolves to 169.254.169.254, the cloud metadata address",
        ),
        (
            "http://169.254.1.1/",
            "the host 169.254.1.1 resolves to 169.254.1.1, a link-local address",
        ),
        ("http://[fe80::1]/", "the host fe80::1 resolves to fe80::1, a link-local address"),
        ("http://10.0.0.1/", "the host 10.0.0.1 resolves to 10.0.0.1, a private address"),
        ("http://172.16.5.4/", "the host 172.16.5.4 resolves to 172.16.5.4, a private address"),
        ("http://192.168.1.1/", "the host 192.168.1.1 resolves to 192.168.1.1, a private address"),
        ("http://[fd12::1]/", "the host fd12::1 resolves to fd12::1, a private address"),
        (
            "http://100.64.0.1/",
            "the host 100.64.0.1 resolves to 100.64.0.1, a carrier-grade NAT address",
        ),
        ("http://224.0.0.1/", "the host 224.0.0.1 resolves to 224.0.0.1, a multicast address"),
        ("http://[ff02::1]/", "the host ff02::1 resolves to ff02::1, a multicast address"),
        ("http://240.0.0.1/", "the host 240.0.0.1 resolves to 240.0.0.1, a reserved address"),
        (
            "http://[::ffff:127.0.0.1]/",
            "the host ::ffff:127.0.0.1 resolves to ::ffff:127.0.0.1, a loopback address inside "
            "an IPv6 address",
        ),
        (
            "http://[::ffff:169.254.169.254]/",
            "the host ::ffff:169.254.169.254 resolves to ::ffff:169.254.169.254, the cloud "
            "metadata address inside an IPv6 address",
        ),
        (
            "http://[2002:a00:1::]/",
            "the host 2002:a00:1:: resolves to 2002:a00:1::, a private address inside an IPv6 "
            "address",
        ),
        (
            "http://[64:ff9b::7f00:1]/",
            "the host 64:ff9b::7f00:1 resolves to 64:ff9b::7f00:1, a loopback address inside "
            "an IPv6 address",
        ),
    ],
)
def test_every_non_public_address_is_refused_with_its_reason(url: str, message: str) -> None:
    assert refusal(url) == message + TAIL


def test_localhost_is_refused_whatever_it_resolves_to() -> None:
    message = refusal("https://localhost/")
    assert message.startswith("the host localhost resolves to ")
    assert message.endswith(TAIL)
    assert "a loopback address" in message


def test_one_bad_address_among_good_ones_refuses_the_url(fake_dns: FakeDns) -> None:
    fake_dns({"mixed.example.net": [PUBLIC_V4, "10.1.2.3", PUBLIC_V6]})
    assert refusal("https://mixed.example.net/") == (
        "the host mixed.example.net resolves to 10.1.2.3, a private address" + TAIL
    )


def test_a_name_resolving_to_loopback_is_refused(fake_dns: FakeDns) -> None:
    fake_dns({"alerts.example-public.net": ["127.0.0.1"]})
    assert refusal("https://alerts.example-public.net/hook") == (
        "the host alerts.example-public.net resolves to 127.0.0.1, a loopback address" + TAIL
    )


def test_an_unresolvable_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    assert refusal("https://nowhere.example.net/") == (
        "the host nowhere.example.net could not be resolved"
    )


def test_refusals_never_repeat_the_path_or_query(fake_dns: FakeDns) -> None:
    fake_dns({"hooks.example.net": ["10.9.9.9"]})
    with pytest.raises(InputError) as caught:
        validate_outbound_url("https://hooks.example.net/T0KEN-path?key=S3CRET-query")
    assert "T0KEN" not in caught.value.one_line()
    assert "S3CRET" not in caught.value.one_line()


@pytest.mark.parametrize(
    "address", ["8.8.8.8", PUBLIC_V4, "2606:4700::1111", PUBLIC_V6, "2002:808:808::1"]
)
def test_public_unicast_addresses_have_no_problem(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None
