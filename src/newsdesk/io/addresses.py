"""Which addresses a fetcher may connect to: public ones, and the private ones an operator names.

A page on a public host must not make newsdesk fetch an internal URL (a cloud metadata
endpoint, an admin port on loopback) and store what it says, through a redirect or a feed
link. So loopback, link-local, private, shared (carrier-grade NAT), multicast, reserved and
unspecified addresses are refused unless an entry of the allow-list names them:

- ``HOST`` or ``HOST:PORT`` (``[::1]:8080`` for IPv6): that name or address, on any port or one;
- a network in CIDR form (``10.0.0.0/8``): every address in it, on any port;
- ``any``: every address (a fetcher that runs inside the network it reads).

The check is made on the addresses a name resolves to, so a public-looking name that resolves
to a private address is refused too. An IPv6 address that carries an IPv4 one (IPv4-mapped,
IPv4-compatible, NAT64's well-known prefix, 6to4, Teredo) is judged by the IPv4 address it
leads to, as a translator or relay would deliver the connection there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsdesk.errors import FetchError

__all__ = ["AddressPolicy", "is_public"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215's local-use translation prefix: where it embeds the IPv4 address is the network's
# choice, and what it reaches is inside that network
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address, and so is every IPv4 one it carries."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        carried = _carried_ipv4(address)
        if carried:
            return all(is_public(v4) for v4 in carried)
    return address.is_global and not address.is_multicast


def _carried_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 one leads to (a Teredo one: its server and its client)."""
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF),)
    return ()


@dataclass(frozen=True)
class AddressPolicy:
    """The private addresses a fetcher may reach; see the module docstring.

    Build it with :meth:`allowing`; the default refuses every non-public address.
    """

    hosts: frozenset[tuple[str, int | None]] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    any: bool = False

    @classmethod
    def allowing(cls, entries: Iterable[str]) -> AddressPolicy:
        """A policy that allows the private addresses ``entries`` name.

        Raise :class:`FetchError` for an entry that is neither a host, a host and port, a
        network nor ``any``.
        """
        hosts: set[tuple[str, int | None]] = set()
        networks: list[IPNetwork] = []
        allow_any = False
        for entry in entries:
            value = entry.strip()
            if value.lower() == "any":
                allow_any = True
            elif "/" in value:
                networks.append(_network(value))
            else:
                hosts.add(_host_port(value))
        return cls(frozenset(hosts), tuple(networks), allow_any)

    def allows(self, host: str, port: int, address: IPAddress) -> bool:
        """Whether a connection to ``address`` (``host`` resolved) on ``port`` is allowed."""
        if self.any or is_public(address):
            return True
        names = {host.lower().strip("[]"), str(address)}
        if any((name, p) in self.hosts for name in names for p in (None, port)):
            return True
        return any(address in network for network in self.networks)

    def refusal(self, host: str, port: int, address: IPAddress) -> str:
        """Why a connection is refused, and the allow-list entry that would allow it."""
        shown = f"[{host}]" if ":" in host else host
        named = "" if host == str(address) else f" ({address})"
        return (
            f"{shown}:{port}{named} is not a public address: private, loopback and link-local "
            f"addresses are fetched only when allowed (--allow-private {shown}:{port})"
        )


def _network(value: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise FetchError(f"cannot allow {value!r}: not a network ({exc})") from None


def _host_port(value: str) -> tuple[str, int | None]:
    """``host`` or ``host:port`` (IPv6 in brackets) as a lower-case host and a port or None."""
    if value.count(":") > 1 and not value.startswith("["):
        value = f"[{value}]"  # a bare IPv6 address
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"cannot allow {value!r}: {exc}") from None
    host = parts.hostname
    if not host or parts.path or parts.username is not None:
        raise FetchError(f"cannot allow {value!r}: expected HOST, HOST:PORT or a network")
    return host.lower(), port
