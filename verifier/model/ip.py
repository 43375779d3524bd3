"""One integer line for every IP address, and interval sets on it.

IPv4 and IPv6 addresses are placed on a single 129-bit line: an IPv4 address ``a`` is the
integer ``a`` (below 2**32), an IPv6 address ``a`` is ``2**32 + a``. Every CIDR is then one
closed interval, ``except`` is interval subtraction, and an address family is a range
(`V4_SPACE`, `V6_SPACE`). Both the concrete engine and the Z3 encoding use this line, so
ipBlocks of both families are handled by the same code.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

V6_OFFSET = 1 << 32
KEY_BITS = 129
V4_SPACE = (0, V6_OFFSET - 1)
V6_SPACE = (V6_OFFSET, V6_OFFSET + (1 << 128) - 1)


def ip_key(addr: IPAddress) -> int:
    """The address's position on the combined line."""
    if addr.version == 4:
        return int(addr)
    return V6_OFFSET + int(addr)


def key_to_ip(key: int) -> IPAddress:
    """Inverse of `ip_key`."""
    if key < V6_OFFSET:
        return ipaddress.IPv4Address(key)
    return ipaddress.IPv6Address(key - V6_OFFSET)


def network_range(net: IPNetwork) -> tuple[int, int]:
    """The closed interval of keys that a CIDR covers."""
    lo = ip_key(net.network_address)
    return lo, lo + net.num_addresses - 1


def same_family(a: int, b: int) -> bool:
    """Whether two keys are addresses of one family (a packet never mixes families)."""
    return (a < V6_OFFSET) == (b < V6_OFFSET)


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """A finite union of closed integer intervals, kept sorted, disjoint and non-adjacent."""

    intervals: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def of(ranges: Iterable[tuple[int, int]]) -> IntervalSet:
        merged: list[tuple[int, int]] = []
        for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
            if merged and lo <= merged[-1][1] + 1:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        return IntervalSet(tuple(merged))

    @staticmethod
    def full() -> IntervalSet:
        """Every address of both families."""
        return IntervalSet(((V4_SPACE[0], V6_SPACE[1]),))

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.intervals)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, int):
            return False
        # Binary search: sets can hold thousands of intervals (one per pod IP).
        lo, hi = 0, len(self.intervals) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            a, b = self.intervals[mid]
            if key < a:
                hi = mid - 1
            elif key > b:
                lo = mid + 1
            else:
                return True
        return False

    def union(self, other: IntervalSet) -> IntervalSet:
        return IntervalSet.of(self.intervals + other.intervals)

    def intersection(self, other: IntervalSet) -> IntervalSet:
        out: list[tuple[int, int]] = []
        i = j = 0
        a, b = self.intervals, other.intervals
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(out))

    def difference(self, other: IntervalSet) -> IntervalSet:
        out: list[tuple[int, int]] = []
        b = other.intervals
        j = 0
        for lo, hi in self.intervals:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return IntervalSet(tuple(out))

    def issubset(self, other: IntervalSet) -> bool:
        return not self.difference(other)

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.intervals)

    def first(self) -> int | None:
        """The smallest member, or None when empty."""
        return self.intervals[0][0] if self.intervals else None


def networks_set(nets: Iterable[IPNetwork]) -> IntervalSet:
    return IntervalSet.of(network_range(n) for n in nets)


def range_text(lo: int, hi: int) -> str:
    """A key interval as people write it: CIDRs (``10.0.0.0/8``) when it is at most three of
    them, else ``first-last``."""
    first, last = key_to_ip(lo), key_to_ip(hi)
    nets = list(ipaddress.summarize_address_range(first, last))
    if len(nets) <= 3:
        return ", ".join(str(n) for n in nets)
    return f"{first}-{last}"
