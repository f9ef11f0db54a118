"""`flask kb serve`: the production web server (gunicorn), sized from the configuration.

Workers are separate processes that share nothing but the database and the index directory, which is
why the index has one writer per host (`kb index-worker`) and searchers that heal (search/searchers.py).
"""
from __future__ import annotations

import os
import tempfile

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from ..config import ConfigurationError
from ..ground import logs


def options(config: dict) -> dict:
    """gunicorn's settings from KENNISBANK_BIND, _WORKERS, _THREADS, _TIMEOUT and _MAX_REQUESTS."""
    try:
        workers, threads = int(config["SERVER_WORKERS"]), int(config["SERVER_THREADS"])
        timeout, max_requests = int(config["SERVER_TIMEOUT"]), int(config["SERVER_MAX_REQUESTS"])
    except (TypeError, ValueError):
        raise ConfigurationError("kennisbank start niet: KENNISBANK_WORKERS, _THREADS, _TIMEOUT en _MAX_REQUESTS "
                                 "moeten hele getallen zijn.") from None
    if min(workers, threads, timeout) < 1 or max_requests < 0:
        raise ConfigurationError("kennisbank start niet: KENNISBANK_WORKERS, _THREADS en _TIMEOUT moeten minstens "
                                 "1 zijn, KENNISBANK_MAX_REQUESTS 0 of meer.")
    return {
        "bind": str(config["SERVER_BIND"]), "workers": workers, "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync", "timeout": timeout,
        # Recycling workers now and then bounds any slow growth of memory; the jitter keeps them from
        # restarting all at once.
        "max_requests": max_requests, "max_requests_jitter": max_requests // 10,
        # The app writes its own access line per request (with request id, route, user id, duration);
        # gunicorn's own messages go through the same handler, in the same format.
        "accesslog": None, "logger_class": _GunicornLogger,
        "child_exit": _worker_gone,
    }


def _worker_gone(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its live gauges go; its counters keep counting


class _GunicornLogger(glogging.Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            logger.handlers = []
            logger.propagate = True


def sqlite_problem(config: dict, workers: int) -> str | None:
    """A SQLite file behind several workers locks up under writes: in production only when asked for."""
    uri = str(config["SQLALCHEMY_DATABASE_URI"])
    if config["ENV_NAME"] == "production" and uri.startswith("sqlite") and workers > 1 and not config["ALLOW_SQLITE"]:
        return ("kennisbank start niet (productie): SQLite met meerdere workers. Gebruik PostgreSQL "
                "(KENNISBANK_DATABASE_URL), of zet KENNISBANK_ALLOW_SQLITE=true als u dit bewust wilt.")
    return None


class _Server(BaseApplication):
    def __init__(self, app_factory, settings: dict):
        self.app_factory = app_factory
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self):
        return self.app_factory()


def serve(app: Flask, app_factory) -> None:
    """Run gunicorn until stopped; each worker builds its own app with `app_factory`."""
    settings = options(app.config)
    problem = sqlite_problem(app.config, settings["workers"])
    if problem:
        raise ConfigurationError(problem)
    if "KENNISBANK_LOG_FORMAT" not in os.environ:  # a server's logs are read by machines: JSON
        os.environ["KENNISBANK_LOG_FORMAT"] = "json"  # the workers build their apps from the environment
    logs.configure(os.environ["KENNISBANK_LOG_FORMAT"])  # for the master, and inherited by the workers
    _metrics_directory()
    _Server(app_factory, settings).run()


def _metrics_directory() -> None:
    """Each worker keeps its metrics in files here, summed when /metrics is scraped; emptied at start."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="kennisbank-metrics-")
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
