"""Exact percentiles of time spans (a warm handover's lead times, an organisation's time to a
first answer) from counts kept per span bucket, at a cost that follows the buckets, not the
handovers.

A span is counted in the bucket of its length in seconds (`bucket_of`: from under a minute to
years, each bucket about a fifth longer than the one before). To find the value at a rank
the counts of the buckets are added up to the bucket that holds it (`locate`); only the
spans in that bucket are then read, from an index on the span, from the right offset on.
The percentile is worked out from the values at its two nearest ranks exactly as the
database's own aggregate would (`interpolate`), so the figures are the same to the last
bit as those of `percentile_cont` over every handover.

The bucket is decided in SQL (`bucket_of`), by the same comparisons with the same whole
seconds that the range of a bucket (`bounds`) is read with: a span is never counted in one
bucket and looked for in another."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, case, literal_column


def _bounds() -> tuple[int, ...]:
    """The lower bound of every bucket but the first (which holds what is shorter than
    0 seconds: never, for spans that follow one another), in whole seconds."""
    found = [0, 60, 600, 1800, 3600]
    step = 2 ** 0.25
    length = 3600 * step
    while length < 10 * 365 * 86400:
        found.append(round(length))
        length *= step
    return tuple(found)


BOUNDS = _bounds()
BUCKETS = len(BOUNDS) + 1
WIDTH = 3  # digits of a bucket's number as it is stored (`key`)


def key(bucket: int) -> str:
    """A bucket's number as stored in a count: fixed width, so text order is number order."""
    return f"{bucket:0{WIDTH}d}"


def bucket_of(seconds: Any) -> Any:
    """SQL: the bucket of a span in seconds (NULL stays NULL)."""
    return case(*[(seconds < literal_column(str(bound), Integer),
                   literal_column(str(i), Integer))
                  for i, bound in enumerate(BOUNDS)],
                else_=case((seconds.is_(None), None),
                           else_=literal_column(str(len(BOUNDS)), Integer)))


def bounds(bucket: int) -> tuple[int | None, int | None]:
    """The bucket's range of seconds: from the first (inclusive; None: unbounded) to the
    second (exclusive; None: unbounded)."""
    low = BOUNDS[bucket - 1] if bucket > 0 else None
    high = BOUNDS[bucket] if bucket < len(BOUNDS) else None
    return low, high


@dataclass(frozen=True)
class Place:
    """Where a rank falls: the bucket and the offset within it (both from 0)."""

    bucket: int
    offset: int


def locate(histogram: Mapping[int, int], ranks: Iterable[int]) -> dict[int, Place]:
    """rank -> the bucket that holds the value at that rank (from 0, in ascending order of
    the values) and its offset within the bucket."""
    found = {}
    wanted = sorted(set(ranks))
    before = 0
    buckets = iter(sorted((b, n) for b, n in histogram.items() if n > 0))
    bucket, n = next(buckets, (None, 0))
    for rank in wanted:
        while bucket is not None and rank >= before + n:
            before += n
            bucket, n = next(buckets, (None, 0))
        if bucket is None:
            raise ValueError(f"rank {rank} beyond the {before} values counted")
        found[rank] = Place(bucket, rank - before)
    return found


def ranks(n: int, fraction: tuple[int, int], postgresql: bool) -> tuple[int, int]:
    """The two ranks (from 0) a percentile of n values lies between (the same one twice when
    it falls on a value)."""
    if postgresql:
        position = fraction[0] / fraction[1] * (n - 1)
        return math.floor(position), math.ceil(position)
    a, b = fraction
    low = (a * (n - 1)) // b
    return low, low + 1 if (a * (n - 1)) % b else low


def interpolate(values: Mapping[int, float], n: int, fraction: tuple[int, int],
                postgresql: bool) -> float:
    """The continuous percentile of n values, given the values at its ranks (`ranks`), with
    the arithmetic of the database whose figures these replace: PostgreSQL's
    `percentile_cont`, or on SQLite the window query the percentiles were taken with before
    (kept for comparison in `tests/insight_reference.py`, `percentiles`)."""
    low, high = ranks(n, fraction, postgresql)
    if postgresql:
        position = fraction[0] / fraction[1] * (n - 1)
        if low == high:
            return values[low]
        return values[low] + (position - low) * (values[high] - values[low])
    a, b = fraction
    part = ((a * (n - 1)) % b) / float(b)
    total = 0.0 + values[low] * (1 - part)
    if high != low:
        total += values[high] * part
    return total
