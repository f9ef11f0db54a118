"""Prometheus metrics: `GET /metrics`, with the official client in multi-process mode under gunicorn.

Counters and histograms are kept per process in PROMETHEUS_MULTIPROC_DIR (`kb serve` sets it up before
the workers start) and summed at scrape time; figures that live in the database or the index (lag,
documents, log size) are read when scraped, so every worker answers the same.

The metric objects themselves live in kennisbank.ground.metrics, so that every layer can count into them.
"""
from __future__ import annotations

import hmac
import os
import time

from flask import Flask, g, request

from ..ground.logs import route
from ..ground.metrics import objects


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

    objects()  # every series exists from the first scrape on, at zero
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
    metrics = objects()
    metrics.requests.labels(request.method, template, str(response.status_code)).inc()
    started = g.get("request_started")
    if started is not None:
        metrics.request_seconds.labels(template).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_count)
