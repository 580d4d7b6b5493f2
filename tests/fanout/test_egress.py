"""Outbound safety: private, loopback, link-local and metadata destinations are refused."""

from __future__ import annotations

import ipaddress

import anyio
import httpcore2
import pytest

from kyros.domain.errors import DomainError
from kyros.webhooks.egress import (
    DestinationRefused,
    EgressPolicy,
    GuardedBackend,
    check_destination,
    check_url,
)

STRICT = EgressPolicy()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    assert STRICT.refusal(ipaddress.ip_address(address)) is not None


def test_a_public_address_is_allowed() -> None:
    assert STRICT.refusal(ipaddress.ip_address("8.8.8.8")) is None


def test_allowing_private_never_allows_cloud_metadata() -> None:
    lax = EgressPolicy(allow_private=True)
    assert lax.refusal(ipaddress.ip_address("10.0.0.1")) is None
    assert lax.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert "metadata" in (lax.refusal(ipaddress.ip_address("169.254.169.254")) or "")


def test_an_allow_listed_network_is_allowed() -> None:
    policy = EgressPolicy.from_settings(False, ["127.0.0.0/8"])
    assert policy.refusal(ipaddress.ip_address("127.0.0.5")) is None
    assert policy.refusal(ipaddress.ip_address("10.0.0.1")) is not None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com",
        "http://",
        "http://user:pw@example.com/",
        "http://example.com:99999/",
        "example.com/hook",
        "http://exa mple.com/",
    ],
)
def test_only_plain_http_or_https_urls_are_accepted(url: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_url(url)
    assert refused.value.field == "url"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/x", "http://169.254.169.254/"],
)
def test_creation_refuses_a_url_that_is_or_resolves_to_a_private_address(url: str) -> None:
    async def check() -> None:
        await check_destination(STRICT, url)

    with pytest.raises(DomainError) as refused:
        anyio.run(check)
    assert refused.value.field == "url"


def test_the_backend_refuses_before_connecting() -> None:
    """No packet is sent: the check runs on the resolved address, before connect."""

    async def connect() -> None:
        await GuardedBackend(STRICT).connect_tcp("localhost", 9, timeout=1)

    with pytest.raises(DestinationRefused):
        anyio.run(connect)


def test_the_backend_connects_to_an_allowed_address() -> None:
    policy = EgressPolicy.from_settings(False, ["127.0.0.0/8", "::1/128"])

    async def connect() -> None:
        await GuardedBackend(policy).connect_tcp("127.0.0.1", 9, timeout=1)

    with pytest.raises(httpcore2.ConnectError):  # allowed, and nothing listens on port 9
        anyio.run(connect)
