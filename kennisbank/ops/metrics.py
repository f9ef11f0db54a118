"""Prometheus metrics: `GET /metrics`, with the official client in multi-process mode under gunicorn.

Counters and histograms are kept per process in PROMETHEUS_MULTIPROC_DIR (`kb serve` sets it up before
the workers start) and summed at scrape time; figures that live in the database or the index (lag,
documents, log size) are read when scraped, so every worker answers the same.

prometheus_client decides at import whether it runs multi-process, so it is imported here only on first
use — in the worker, after `kb serve` has set the directory.
"""
from __future__ import annotations

import hmac
import os
import time
from contextlib import contextmanager
from functools import cache
from types import SimpleNamespace

from flask import Flask, g, request

from .logs import route

SEARCH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


@cache
def _metrics() -> SimpleNamespace:
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
        _metrics().search_seconds.labels(source).observe(time.perf_counter() - started)


def zero_result(source: str) -> None:
    _metrics().zero_results.labels(source).inc()


def voortoets_completed() -> None:
    _metrics().voortoets_completed.inc()


def mails(outcome: str, count: int) -> None:
    _metrics().mails.labels(outcome).inc(count)


class _IndexCollector:
    """This host's index as seen now: lag, documents; and the change log's size."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select
        from sqlalchemy.orm import Session

        from ..extensions import db
        from ..models import SearchChange
        from ..search import replicas

        with Session(db.engine) as session:
            state = replicas.local_state(self.app, session)
            size = session.scalar(select(func.count()).select_from(SearchChange))
        for name, text, value in (("kennisbank_index_lag", "Changes not yet applied to this host's index.", state.lag),
                                  ("kennisbank_index_documents", "Documents in this host's index.", state.documents),
                                  ("kennisbank_search_changes", "Rows in the search change log.", size)):
            yield GaugeMetricFamily(name, text, value=value)


def scrape(app: Flask) -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    _metrics()  # every series exists from the first scrape on, at zero
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(_IndexCollector(app))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY) + generate_latest(_Only(_IndexCollector(app))), CONTENT_TYPE_LATEST


class _Only:
    """A registry-like wrapper so that one collector can be rendered on its own."""

    def __init__(self, collector):
        self.collector = collector

    def collect(self):
        return self.collector.collect()


def allowed(app: Flask) -> bool:
    """A bearer token (KENNISBANK_METRICS_TOKEN) is required; without a configured token, nobody."""
    token = str(app.config.get("METRICS_TOKEN") or "")
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _count(response):
    template = route() or "(geen route)"
    metrics = _metrics()
    metrics.requests.labels(request.method, template, str(response.status_code)).inc()
    started = g.get("request_started")
    if started is not None:
        metrics.request_seconds.labels(template).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_count)
