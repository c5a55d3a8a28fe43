"""Counts of long lists (lib/counting.py): exact when short or quick, else PostgreSQL's estimate,
shown as "about"; never a spoiled transaction. The PostgreSQL paths run when the suite runs on
PostgreSQL (CI's second pass), with the thresholds lowered so a few hundred rows are "long"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template

from transferwatch.accounts.models import Area
from transferwatch.lib import counting
from transferwatch.lib.counting import Count, CountingPaginator, count, kept
from transferwatch.transfers.models import TransferRequest

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the estimate and the time budget are PostgreSQL's"
)


@pytest.fixture
def many(db: Any) -> Any:
    area = Area.objects.get(code="PHI")
    TransferRequest.objects.bulk_create(
        TransferRequest(request_type="detainer", request_date=date(2016, 1, 1 + n % 28), aor=area)
        for n in range(300)
    )
    cache.clear()
    return TransferRequest.objects.filter(aor=area)


@pytest.fixture
def as_if_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' tables are small: count as if the table were a large one."""
    monkeypatch.setattr(counting, "SMALL", -2)


def test_a_short_list_is_counted_exactly(many: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):  # a small table: one plain count, no timing around it
        assert count(many) == Count(300)
    assert count(many.filter(request_date__day=1)) == Count(11)
    assert count(many.none()) == Count(0)  # what a role may not see at all
    assert kept(many.none().values("aor"), long=True) == []


@on_postgresql
@pytest.mark.usefixtures("as_if_large")
def test_a_long_list_counted_within_the_budget_is_exact_and_kept(
    many: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counting, "EXACT_UP_TO", 100)
    assert count(many) == Count(300)
    TransferRequest.objects.filter(pk=many.first().pk).delete()
    assert count(many) == Count(300)  # kept for KEEP_SECONDS: the list is long, the figure near
    cache.clear()
    assert count(many) == Count(299)


@on_postgresql
@pytest.mark.usefixtures("as_if_large")
def test_a_long_list_too_slow_to_count_gets_the_estimate_and_the_transaction_lives_on(
    many: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counting, "EXACT_UP_TO", 100)
    monkeypatch.setattr(counting, "BUDGET_MS", 1)
    # A count that cannot finish within 1 ms: every row is checked against a slow function.
    slow = many.extra(where=["pg_sleep(0.01) IS NOT NULL"])
    figure = count(slow)
    assert figure.estimated
    assert figure.value >= 1
    assert count(slow) == figure  # kept: the next view pays no timeout
    # The request's transaction was not spoiled, and the statement timeout is as before.
    assert TransferRequest.objects.filter(aor__code="PHI").count() >= 300
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_the_page_says_about_only_for_an_estimate() -> None:
    template = Template("{{ page|row_count }} requests{{ page|page_of }}.")
    exact = CountingPaginator(list(range(120)), 50).page(2)
    assert template.render(Context({"page": exact})) == "120 requests, page 2 of 3."
    estimated = CountingPaginator(list(range(120)), 50)
    estimated.__dict__["_figure"] = Count(3_012_345, estimated=True)
    rendered = template.render(Context({"page": estimated.page(1000)}))
    assert rendered == "about 3,000,000 requests, page 1,000 of about 60,247."


def test_a_deep_page_holds_the_same_rows_in_the_same_order(
    many: Any, django_assert_max_num_queries: Any
) -> None:
    ordered = many.select_related("aor").order_by("-request_date", "-pk")
    plain = list(ordered[1_000 - 50 : 1_000 + 50])
    assert len(plain) == 0  # 300 rows: first a list long enough
    area = many.first().aor
    TransferRequest.objects.bulk_create(
        TransferRequest(
            request_type="notification", request_date=date(2015, 1 + n % 12, 1), aor=area
        )
        for n in range(1_000)
    )
    ordered = TransferRequest.objects.filter(aor=area).select_related("aor")
    ordered = ordered.order_by("-request_date", "-pk")
    for number in (20, 21, 26):
        expected = list(ordered[(number - 1) * 50 : number * 50])
        page = CountingPaginator(ordered, 50).page(number)
        assert [r.pk for r in page] == [r.pk for r in expected]
    paginator = CountingPaginator(ordered, 50)
    assert paginator.count == 1_300
    with django_assert_max_num_queries(2):  # the keys, then the rows (aor comes with its row)
        page = paginator.page(22)
        assert {r.aor.code for r in page} == {"PHI"}
