"""Which addresses count as public: IPv6 forms that carry an IPv4 address are judged by it."""

from __future__ import annotations

import ipaddress

import pytest

from newsdesk.io.addresses import AddressPolicy, is_public


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::808:808",  # the local-use NAT64 prefix, whatever it embeds
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::a00:1",
        "::ffff:192.168.0.1",  # IPv4-mapped
        "10.0.0.1",
        "::1",
    ],
)
def test_an_address_that_leads_to_a_private_one_is_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    assert not AddressPolicy().allows("example.org", 80, ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["64:ff9b::808:808", "2002:808:808::", "::ffff:8.8.8.8", "8.8.8.8", "2606:4700::1111"],
)
def test_an_address_that_leads_to_a_public_one_is_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))
