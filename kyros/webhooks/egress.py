"""Outbound safety: which webhook URLs and addresses Kyros may connect to, checked at connect."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore2

from kyros.domain.errors import DomainError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance-metadata services: refused even when private destinations are allowed.
METADATA = tuple(
    ipaddress.ip_network(n)
    for n in ("169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128")
)
MAX_URL_LENGTH = 2_000


class DestinationRefused(Exception):
    """The destination is not one Kyros may send to; never retried into a private network."""


@dataclass(frozen=True)
class EgressPolicy:
    """Public addresses only, unless `allow_private` or an allow-listed network says otherwise."""

    allow_private: bool = False
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, allow_private: bool, networks: Iterable[str]) -> EgressPolicy:
        parsed = tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks)
        return cls(allow_private=allow_private, allowed_networks=parsed)

    def refusal(self, address: Address) -> str | None:
        """Why `address` is refused, or None when it may be used."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed_networks):
            return None
        if any(address in network for network in METADATA):
            return f"{address} is a cloud metadata address"
        if address.is_unspecified or address.is_multicast:
            return f"{address} is not a unicast address"
        if address.is_global or self.allow_private:
            return None
        kind = (
            "loopback"
            if address.is_loopback
            else "link-local"
            if address.is_link_local
            else "private"
            if address.is_private
            else "reserved"
        )
        return f"{address} is a {kind} address"

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to, each checked; one refused address refuses all."""
        try:
            literal = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            literal = None
        if literal is not None:
            found = [str(literal)]
        else:
            try:
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise httpcore2.ConnectError(f"cannot resolve {host}: {exc}") from None
            found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for text in found:
            reason = self.refusal(ipaddress.ip_address(text.split("%", 1)[0]))
            if reason is not None:
                raise DestinationRefused(f"{host} refused: {reason}")
        return found


def check_url(url: str) -> tuple[str, int]:
    """Syntax only (no I/O): an absolute http(s) URL without credentials; (host, port)."""
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(f"Must be at most {MAX_URL_LENGTH} characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError("Must be a valid http or https URL", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError("Must be an absolute http or https URL", field="url")
    if parts.username is not None or parts.password is not None:
        raise DomainError("Must not carry credentials; sign with the secret", field="url")
    if parts.fragment or any(c.isspace() or ord(c) < 32 for c in url):
        raise DomainError("Must not contain a fragment or whitespace", field="url")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_destination(policy: EgressPolicy, url: str) -> None:
    """At creation: refuse a URL whose host is, or resolves to, a refused address. A name that
    does not resolve yet is accepted; every delivery resolves and checks it again."""
    host, port = check_url(url)
    try:
        with anyio.fail_after(3):
            await policy.resolve(host, port)
    except DestinationRefused as refused:
        raise DomainError(f"Destination not allowed: {refused}", field="url") from None
    except (httpcore2.ConnectError, TimeoutError):
        return


class GuardedBackend(httpcore2.AsyncNetworkBackend):
    """Resolves, checks, then connects to the checked address itself, so a DNS answer that
    changes between check and connect (rebinding) cannot redirect a delivery. TLS still
    verifies the certificate against the URL's host name."""

    def __init__(self, policy: EgressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        addresses = await self._policy.resolve(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                failure = exc
        raise failure or httpcore2.ConnectError(f"no address for {host}")

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore2.AsyncNetworkStream:
        raise DestinationRefused("unix sockets are never a webhook destination")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
