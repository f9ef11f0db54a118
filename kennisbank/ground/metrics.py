"""Metric objects every layer may count into: searches, zero results, voortoetsen, mails, HTTP requests.
Exposed at `GET /metrics` by kennisbank.ops.metrics.

prometheus_client decides at import whether it runs multi-process, so it is imported here only on first
use — in the worker, after `kb serve` has set PROMETHEUS_MULTIPROC_DIR.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from functools import cache
from types import SimpleNamespace

SEARCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


@cache
def objects() -> SimpleNamespace:
    from prometheus_client import Counter, Histogram

    return SimpleNamespace(
        requests=Counter("kennisbank_http_requests_total", "HTTP requests by route template and status.",
                         ["method", "route", "status"]),
        request_seconds=Histogram("kennisbank_http_request_duration_seconds",
                                  "HTTP request duration by route template.", ["route"]),
        search_seconds=Histogram("kennisbank_search_duration_seconds", "One search (index and database), by source.",
                                 ["source"], buckets=SEARCH_BUCKETS),
        zero_results=Counter("kennisbank_search_zero_results_total", "Searches that found nothing, by source.",
                             ["source"]),
        voortoets_completed=Counter("kennisbank_voortoets_completed_total", "Voortoetsen completed."),
        mails=Counter("kennisbank_mails_total", "E-mails of the digest, by outcome (sent, failed).", ["outcome"]),
    )


@contextmanager
def timed_search(source: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        objects().search_seconds.labels(source).observe(time.perf_counter() - started)


def zero_result(source: str) -> None:
    objects().zero_results.labels(source).inc()


def voortoets_completed() -> None:
    objects().voortoets_completed.inc()


def mails(outcome: str, count: int) -> None:
    objects().mails.labels(outcome).inc(count)
