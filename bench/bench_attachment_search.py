"""Search with attachments: the same 240 queries at N records (default 50,000), first without attachments,
then with 5,000 attachment texts (each some ten pages of Dutch text, already read, as the indexer leaves
them) on projects, in one run. Prints query and faceted p50/p95, reindex time and index size for both,
and the ratios (target: attachments cost search little, since their text is one more weighted section).

Usage: .venv/bin/python bench/bench_attachment_search.py [--records 50000] [--attachments 5000]
"""
from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from bench_search import dir_size, make_app, time_queries
from corpus import Generator, build_dutch, queries
from report import ms, pct, report

from kennisbank.extensions import db


def add_attachments(app, count: int) -> None:
    from sqlalchemy import insert, select

    from kennisbank.models import Attachment, AttachmentBlob, Project
    from kennisbank.models.base import utcnow

    gen = Generator(seed=99)
    with app.app_context():
        project_ids = db.session.scalars(select(Project.id).order_by(Project.id).limit(count)).all()
        now = utcnow()
        for start in range(0, count, 500):
            blobs, rows = [], []
            for n in range(start, min(start + 500, count)):
                text = gen.text(60)  # about ten pages
                digest = hashlib.sha256(f"{n}{text}".encode()).hexdigest()
                blobs.append({"id": n + 1, "sha256": digest, "content": text.encode()})
                rows.append({"item_type": "project", "item_id": project_ids[n % len(project_ids)],
                             "file_name": f"evaluatie-{n}.txt", "media_type": "text/plain; charset=utf-8",
                             "size": len(text), "blob_id": n + 1, "text": text, "text_state": "gelezen",
                             "uploaded_by_id": 1, "created_at": now})
            db.session.execute(insert(AttachmentBlob), blobs)
            db.session.execute(insert(Attachment), rows)
        db.session.commit()


def measure(app, root: Path, label: str) -> dict:
    from kennisbank.search import engine, index, rebuild

    start = time.perf_counter()
    rebuild.reindex(app)
    reindex_s = time.perf_counter() - start
    with app.app_context():
        engine.searchers().drop()
    texts = queries(240)
    plain = time_queries(app, 2, texts)
    faceted = time_queries(app, 2, texts, facet={"type": "project"})
    return {f"{label} reindex s": round(reindex_s, 1),
            f"{label} index MB": round(dir_size(index.current_generation(root / "index")) / 2**20, 1),
            f"{label} query p50 ms": ms(pct(plain, 50)), f"{label} query p95 ms": ms(pct(plain, 95)),
            f"{label} faceted p95 ms": ms(pct(faceted, 95))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--attachments", type=int, default=5_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kb-bench-attach-"))
    app = make_app(root)
    with app.app_context():
        db.create_all()
    build_dutch(app, args.records)
    figures = {"records": args.records, "attachments": args.attachments}
    figures |= measure(app, root, "without")
    add_attachments(app, args.attachments)
    figures |= measure(app, root, "with")
    figures["query p95 ratio (with/without)"] = round(figures["with query p95 ms"] / figures["without query p95 ms"], 2)
    figures["faceted p95 ratio"] = round(figures["with faceted p95 ms"] / figures["without faceted p95 ms"], 2)
    report(figures, "attachments are one lower-weighted section of the item's document", "attachment_search")


if __name__ == "__main__":
    main()
