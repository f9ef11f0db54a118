"""Building a new index generation in several processes, each reading and writing its own share.

Whoosh's own multi-process writer analyses in child processes, but the parent still reads every row,
builds every document and pickles it to them: at 200,000 records that parent is the bottleneck. Here
each worker process takes chunks of row ids from a queue, reads those rows from the database itself,
builds the documents and writes them into a segment of its own; the parent only hands out the chunks,
counts progress, and commits one table of contents with every worker's segment (as Whoosh's
`multisegment` mode does), together with the cursor.
"""
from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extensions import bare_app, db
from . import documents, index, source
from .index import GraceWriter

# A worker starts a new segment after this many documents: Whoosh sorts a segment's postings in memory
# (POOL_MB) and spills to disk beyond it, which made a 100,000-record rebuild half again as slow.
SEGMENT_DOCS = 50_000
POOL_MB = 1024
# What a worker needs to open the same database and index (the rest comes from the environment).
PASSED_ON = ("SQLALCHEMY_DATABASE_URI", "INDEX_DIR", "SECRET_KEY", "CONTENT_DIR", "ENV_NAME", "ALLOW_SQLITE")


class FastSegmentWriter(GraceWriter):
    """Whoosh's segment writer without the per-posting field-length lookups while writing postings (a
    tenth of a rebuild's time). Whoosh keeps those lengths only as block statistics for skipping blocks
    in its own top-k search; written as 0 they are a safe upper bound there (BM25 falls with length),
    and the ranking here reads every document's real length from the length column, which is kept."""

    def _flush_segment(self):
        self.perdocwriter.close()
        self.fieldwriter.add_postings(self.schema, None, self.pool.iter_postings())
        self.fieldwriter.close()


def add_rows(writer, rows, progress: Callable[[int], None] = lambda n: None) -> int:
    """Write the documents of (kind, row) pairs that belong in the index; the number written."""
    written = 0
    for kind, obj in rows:
        if documents.is_indexed(obj):
            writer.add_document(**documents.document(kind, obj))
            written += 1
        progress(1)
    return written


def _worker_writer(ix) -> FastSegmentWriter:
    # No lock of its own: the parent holds the generation's rebuild lock and commits for everyone.
    return FastSegmentWriter(ix, _lk=False, limitmb=POOL_MB, compound=index.COMPOUND)


class CombiningWriter(GraceWriter):
    """Commits the segments the workers wrote (the index is a fresh generation: nothing to merge)."""

    def __init__(self, ix, segments: list, **kwargs):
        super().__init__(ix, **kwargs)
        self.worker_segments = segments

    def commit(self, mergetype=None, optimize=None, merge=None):
        self._close_segment()
        self._commit_toc(list(self.worker_segments))
        self._finish()


def chunks(session: Session) -> list[tuple[str, int, int]]:
    """(kind, first id, last id) of every run of source.CHUNK rows, all kinds."""
    found = []
    for kind in source.LOADERS:
        model = documents.MODEL_OF_KIND[kind]
        ids = session.scalars(select(model.id).order_by(model.id)).all()
        found += [(kind, ids[i], ids[min(i + source.CHUNK, len(ids)) - 1]) for i in range(0, len(ids), source.CHUNK)]
    return found


def build(app: Flask, session: Session, generation: Path, procs: int,
          progress: Callable[[int], None]) -> tuple[int, CombiningWriter]:
    """Write every document into `generation` with `procs` worker processes. Returns the documents
    written and a writer that commits them (the caller commits it with the cursor, or cancels it).

    :raises RuntimeError: a worker failed (its message included); nothing was committed."""
    tasks = chunks(session)
    session.rollback()
    context = multiprocessing.get_context("spawn")  # a fork would share the database connections
    work, results, done = context.Queue(), context.Queue(), context.Value("q", 0)
    for task in tasks:
        work.put(task)
    config = {key: app.config[key] for key in PASSED_ON if key in app.config}
    workers = [context.Process(target=_worker, args=(config, app.instance_path, str(generation), work, results, done),
                               name=f"kennisbank-reindex-{n}", daemon=True) for n in range(procs)]
    for worker in workers:
        work.put(None)
        worker.start()
    written, segments, failures, reported, pending = 0, [], [], 0, len(workers)
    try:
        while pending:
            try:
                count, written_segments, failure = results.get(timeout=0.25)
            except queue.Empty:
                if not any(worker.is_alive() for worker in workers) and results.empty():
                    failures.append("een indexeerproces stopte onverwacht")
                    break
            else:
                pending -= 1
                written += count
                segments += written_segments
                if failure:
                    failures.append(failure)
            reported = _report(done, reported, progress)
        _report(done, reported, progress)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    if failures:
        raise RuntimeError(f"Herbouwen mislukt: {failures[0]}")
    return written, CombiningWriter(index.open_generation(generation), segments)


def _report(done, reported: int, progress: Callable[[int], None]) -> int:
    now = done.value
    if now > reported:
        progress(now - reported)
    return now


def _worker(config: dict, instance_path: str, generation: str, work, results, done) -> None:
    writer, segments = None, []
    try:
        app = bare_app(config, instance_path)  # every table is known: the documents module imports the models
        ix = index.open_generation(Path(generation))
        writer, in_segment, written = _worker_writer(ix), 0, 0
        with app.app_context(), Session(db.engine) as session:
            while (task := work.get()) is not None:
                rows = source.rows_between(session, *task)
                in_segment += add_rows(writer, rows)
                with done.get_lock():
                    done.value += len(rows)
                if in_segment >= SEGMENT_DOCS:
                    segments.append(writer._finalize_segment())
                    written += in_segment
                    writer, in_segment = _worker_writer(ix), 0
        if in_segment:
            segments.append(writer._finalize_segment())
            written += in_segment
        else:
            writer._close_segment()
        results.put((written, segments, None))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which stops the rebuild
        if writer is not None and not writer.is_closed:
            writer.cancel()
        results.put((0, [], f"{type(error).__name__}: {error}"))
