"""Python ints as bitsets, and bit-matrix transposition without a loop over cells.

A set of items numbered ``0..n-1`` is an int whose bit ``i`` says whether item ``i`` is in it;
union, intersection and complement are single big-int operations running in C. A relation
is a list of such ints (a bit matrix, one int per row).

`transpose` is what lets the engine avoid per-pair Python loops: the matrix is cut into
square ``m × m`` tiles, all tiles are packed into one int, and each tile is transposed in
``log2(m)`` rounds of masked "delta swaps" (exchange the top-right and bottom-left quarter of
every block, halving the block size each round) applied to the whole int at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence


def full(n: int) -> int:
    """The set of all items ``0..n-1``."""
    return (1 << n) - 1


def from_indices(indices: Iterable[int], n: int) -> int:
    """The set holding exactly ``indices`` (each in ``0..n-1``)."""
    buf = bytearray((n + 7) // 8)
    for i in indices:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def iter_bits(x: int) -> Iterator[int]:
    """The members of ``x`` in increasing order (cost grows with the number of members)."""
    text = bin(x)[:1:-1]
    pos = text.find("1")
    while pos != -1:
        yield pos
        pos = text.find("1", pos + 1)


_MAX_TILE = 512


def _pow2_at_least(n: int) -> int:
    m = 8
    while m < n:
        m *= 2
    return m


def _delta_swap_masks(m: int) -> list[tuple[int, bytes]]:
    """For each round ``s``: (shift, one tile's mask of the lower bits of the swapped pairs).

    Within a tile bit ``ii*m + jj`` is row ``ii``, column ``jj``. Round ``s`` swaps ``(ii, jj)``
    with ``(ii+s, jj-s)`` for every ``ii & s == 0`` and ``jj & s != 0``: the shift is
    ``s*(m-1)`` and the mask selects those lower positions.
    """
    rounds: list[tuple[int, bytes]] = []
    row_bytes = m // 8
    zero = bytes(row_bytes)
    s = m // 2
    while s >= 1:
        cols = sum(1 << j for j in range(m) if j & s)
        pattern = cols.to_bytes(row_bytes, "little")
        tile = (pattern * s + zero * s) * (m // (2 * s))
        rounds.append((s * (m - 1), tile))
        s //= 2
    return rounds


def transpose(rows: Sequence[int], width: int) -> list[int]:
    """The transposed bit matrix: ``out[j]`` has bit ``i`` iff ``rows[i]`` has bit ``j``.

    ``rows`` are ints below ``2**width``. Cost is about ``log2(m)`` passes over
    ``len(rows) * width`` bits (padded to whole tiles), with ``m`` the tile size.
    """
    height = len(rows)
    if height == 0 or width == 0:
        return [0] * width
    # Small tiles waste less padding and need fewer rounds; too small and the byte shuffling
    # around them dominates. 512 is a measured sweet spot.
    m = min(_pow2_at_least(min(height, width)), _MAX_TILE)
    tile_rows = -(-height // m)  # tiles down
    tile_cols = -(-width // m)  # tiles across
    row_bytes = m // 8
    padded_width_bytes = tile_cols * row_bytes
    zero_row = bytes(padded_width_bytes)
    as_bytes = [r.to_bytes(padded_width_bytes, "little") for r in rows]
    as_bytes.extend([zero_row] * (tile_rows * m - height))
    # Pack tiles column-major: tile (bi, bj) is number bj * tile_rows + bi.
    chunks: list[bytes] = []
    for bj in range(tile_cols):
        lo, hi = bj * row_bytes, (bj + 1) * row_bytes
        chunks.extend(b[lo:hi] for b in as_bytes)
    packed = int.from_bytes(b"".join(chunks), "little")
    ntiles = tile_rows * tile_cols
    for shift, tile_mask in _delta_swap_masks(m):
        mask = int.from_bytes(tile_mask * ntiles, "little")
        t = ((packed >> shift) ^ packed) & mask
        packed ^= t ^ (t << shift)
    data = packed.to_bytes(ntiles * m * row_bytes, "little")
    out: list[int] = []
    tile_bytes = m * row_bytes
    for j in range(width):
        bj, jj = divmod(j, m)
        parts = []
        for bi in range(tile_rows):
            start = (bj * tile_rows + bi) * tile_bytes + jj * row_bytes
            parts.append(data[start : start + row_bytes])
        out.append(int.from_bytes(b"".join(parts), "little"))
    return out


def gather_columns(rows: Sequence[int], width: int, columns: Sequence[int]) -> list[int]:
    """Re-index the columns: ``out[i]`` has bit ``k`` iff ``rows[i]`` has bit ``columns[k]``.

    Used to expand a relation over classes into one over their members (``columns[k]`` is the
    class of member ``k``), by two transpositions instead of a loop over cells.
    """
    cols = transpose(rows, width)
    return transpose([cols[c] for c in columns], len(rows))


__all__ = ["from_indices", "full", "gather_columns", "iter_bits", "transpose"]
