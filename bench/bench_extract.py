"""Reading attachment text as the indexer does (a child process per file, with its limits): a 100-page
PDF and a 50-page DOCX, beside the reference of the same text as a plain .txt file in the same run.

Usage: .venv/bin/python bench/bench_extract.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import REPO, Generator  # noqa: E402
from report import report  # noqa: E402

sys.path.insert(0, str(REPO))


def main() -> None:
    from kennisbank.search import extract
    from tests import documents

    words = Generator(seed=11)
    pages = [words.text(6) for _ in range(100)]
    pdf = documents.pdf(*pages)
    docx = documents.docx(*[words.text(8) for _ in range(50 * 12)])  # about 12 paragraphs a page
    text = "\n".join(pages).encode()
    figures = {}
    for name, kind, content in (("txt (reference)", "txt", text), ("pdf_100_pages", "pdf", pdf),
                                ("docx_50_pages", "docx", docx)):
        started = time.perf_counter()
        state, extracted = extract.read_text(kind, content)
        elapsed = time.perf_counter() - started
        figures[f"{name}_s"] = round(elapsed, 2)
        figures[f"{name}_kb"] = len(content) // 1024
        figures[f"{name}_chars"] = len(extracted)
        assert state == "gelezen", (name, state)
    figures["pdf_vs_txt"] = round(figures["pdf_100_pages_s"] / figures["txt (reference)_s"], 1)
    figures["docx_vs_txt"] = round(figures["docx_50_pages_s"] / figures["txt (reference)_s"], 1)
    report(figures, "each file in its own child process (1 GB, 60 s); the request that uploads it reads nothing",
           "extract")


if __name__ == "__main__":
    main()
