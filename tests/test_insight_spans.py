"""Exact percentiles from spans counted per bucket: the bucket the database puts a span in
is the one whose range holds it, a rank is found in the right bucket at the right offset,
and the percentile worked out from the values at its ranks is the one computed over all
of them (PostgreSQL's `percentile_cont`, or SQLite's window query)."""

from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import Float, literal, select

from app.db import db
from app.insight import spans
from app.insight.queries import PERCENTILES


def _percentile_cont(values: list[float], fraction: tuple[int, int]) -> float:
    """PostgreSQL's percentile_cont over sorted values, as its source computes it."""
    position = fraction[0] / fraction[1] * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return values[low]
    return values[low] + (position - low) * (values[high] - values[low])


def _window_query(values: list[float], fraction: tuple[int, int]) -> float:
    """`Dialect.percentiles` on SQLite: a sum over the rows of each rank's share."""
    a, b = fraction
    n = len(values)
    position = (a * (n - 1)) // b
    part = ((a * (n - 1)) % b) / float(b)
    total = 0.0
    for i, value in enumerate(values):
        total += 0.0 + (value * (1 - part) if i == position else 0.0) + (
            value * part if i == position + 1 else 0.0)
    return total


def test_the_buckets_cover_every_span_once_in_order():
    assert list(spans.BOUNDS) == sorted(set(spans.BOUNDS))
    assert spans.bounds(0) == (None, 0)
    assert spans.bounds(spans.BUCKETS - 1) == (spans.BOUNDS[-1], None)
    for bucket in range(1, spans.BUCKETS - 1):
        assert spans.bounds(bucket)[0] == spans.bounds(bucket - 1)[1]
    assert spans.BOUNDS[-1] > 5 * 365 * 86400  # years
    assert len(spans.key(spans.BUCKETS - 1)) == spans.WIDTH


def test_the_database_puts_a_span_in_the_bucket_whose_range_holds_it(ctx):
    samples = [-5.0, 0.0, 0.25, 59.999, 60.0, 3599.5, 3600.0, 4281.0, 86400.0 * 400, 1e12]
    samples += [float(bound + delta) for bound in spans.BOUNDS for delta in (-1, -0.001, 0)]
    found = db.session.execute(select(*[spans.bucket_of(literal(value, Float))
                                        for value in samples])).one()
    for value, bucket in zip(samples, found, strict=True):
        low, high = spans.bounds(bucket)
        assert (low is None or value >= low) and (high is None or value < high), value
    assert db.session.execute(select(spans.bucket_of(literal(None, Float)))).scalar() is None


@pytest.mark.parametrize("seed", range(20))
def test_a_percentile_from_the_buckets_is_the_one_over_every_value(seed):
    rng = random.Random(seed)
    values = sorted(rng.choice((0.0, rng.uniform(0, 7200), rng.expovariate(1 / 86400) * 5,
                                3600.0)) for _ in range(rng.randint(1, 300)))
    histogram: dict[int, int] = {}
    for value in values:
        bucket = next((i for i, bound in enumerate(spans.BOUNDS) if value < bound),
                      len(spans.BOUNDS))
        histogram[bucket] = histogram.get(bucket, 0) + 1
    for postgresql, reference in ((True, _percentile_cont), (False, _window_query)):
        for fraction in PERCENTILES:
            ranks = spans.ranks(len(values), fraction, postgresql)
            places = spans.locate(histogram, ranks)
            at = {}
            for rank, place in places.items():
                low, high = spans.bounds(place.bucket)
                inside = [v for v in values
                          if (low is None or v >= low) and (high is None or v < high)]
                at[rank] = inside[place.offset]
                assert at[rank] == values[rank]
            assert spans.interpolate(at, len(values), fraction, postgresql) == reference(
                values, fraction)


def test_a_rank_beyond_the_values_counted_is_refused():
    with pytest.raises(ValueError, match="beyond"):
        spans.locate({3: 2}, [2])
