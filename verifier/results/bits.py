"""Python ints as bitsets, and bit-matrix transposition without a loop over cells.

A set of items numbered ``0..n-1`` is an int whose bit ``i`` says whether item ``i`` is in it;
union, intersection and complement are single big-int operations running in C. A relation
is a list of such ints (a bit matrix, one int per row).

`transpose` is what lets the engine avoid per-pair Python loops: a byte-level transposition
by strided slices, then every 8×8 bit block transposed at once by three masked "delta swaps"
(exchange the top-right and bottom-left quarter of every block, halving the block size each
round) applied to one big int.
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


def _block_masks() -> list[tuple[int, bytes]]:
    """Delta-swap rounds transposing every 8×8 bit block held in a 64-bit little-endian word.

    Bit ``8*r + k`` of a word is (row ``r``, column ``k``). Round ``s`` (4, 2, 1) swaps
    ``(r, k)`` with ``(r + s, k - s)`` for ``r & s == 0`` and ``k & s != 0``: the shift is
    ``7*s`` and the mask selects those lower positions.
    """
    rounds: list[tuple[int, bytes]] = []
    for s in (4, 2, 1):
        mask = 0
        for r in range(8):
            for k in range(8):
                if not r & s and k & s:
                    mask |= 1 << (8 * r + k)
        rounds.append((7 * s, mask.to_bytes(8, "little")))
    return rounds


_BLOCK_ROUNDS = _block_masks()


def transpose(rows: Sequence[int], width: int) -> list[int]:
    """The transposed bit matrix: ``out[j]`` has bit ``i`` iff ``rows[i]`` has bit ``j``.

    ``rows`` are ints below ``2**width``. Three steps, none a Python loop over cells:

    1. rows become bytes (row-major); the *byte* matrix is transposed by one strided slice
       per byte column (``data[j::width_bytes]``);
    2. now every 8 consecutive bytes hold an 8×8 bit block (8 rows × 8 columns); all blocks
       are transposed at once by three masked delta swaps on one big int;
    3. column ``c = 8j + k`` is byte ``k`` of every block of byte column ``j``: one strided
       slice again.
    """
    height = len(rows)
    if height == 0 or width == 0:
        return [0] * width
    width_bytes = (width + 7) // 8
    padded = -(-height // 8) * 8
    data = b"".join([r.to_bytes(width_bytes, "little") for r in rows]) + bytes(
        width_bytes * (padded - height)
    )
    by_column = b"".join([data[j::width_bytes] for j in range(width_bytes)])
    packed = int.from_bytes(by_column, "little")
    words = len(by_column) // 8
    for shift, mask8 in _BLOCK_ROUNDS:
        mask = int.from_bytes(mask8 * words, "little")
        t = ((packed >> shift) ^ packed) & mask
        packed ^= t ^ (t << shift)
    out_bytes = packed.to_bytes(len(by_column), "little")
    from_bytes = int.from_bytes
    return [
        from_bytes(out_bytes[(c >> 3) * padded + (c & 7) : ((c >> 3) + 1) * padded : 8], "little")
        for c in range(width)
    ]


def gather_columns(rows: Sequence[int], width: int, columns: Sequence[int]) -> list[int]:
    """Re-index the columns: ``out[i]`` has bit ``k`` iff ``rows[i]`` has bit ``columns[k]``.

    Used to expand a relation over classes into one over their members (``columns[k]`` is the
    class of member ``k``), by two transpositions instead of a loop over cells.
    """
    cols = transpose(rows, width)
    return transpose([cols[c] for c in columns], len(rows))


__all__ = ["from_indices", "full", "gather_columns", "iter_bits", "transpose"]
