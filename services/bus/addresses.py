"""Which network addresses are public: what the crawler's SSRF guard and a WARC URL's redirects allow.

Private, loopback, link-local, multicast, reserved and cloud-metadata addresses are not, nor an IPv6
address that carries one of them (IPv4-mapped, 6to4).
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
# IETF protocol assignments, one cloud's metadata service (192.0.0.192) among them: Python 3.11 calls most of
# this block global.
NON_PUBLIC = (ipaddress.ip_network("192.0.0.0/24"),)


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour):  # 6to4 (2002::/16) carries an IPv4 address too
            if embedded is not None:
                return is_public(embedded)
    if ip in METADATA or any(ip in net for net in NON_PUBLIC if net.version == ip.version):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)
