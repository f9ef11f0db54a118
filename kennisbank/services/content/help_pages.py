"""Help pages from content/help: read from disk, so editing a file needs no reload of data."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from . import frontmatter

SLUG = re.compile(r"^[a-z0-9-]+$")


@dataclass
class HelpPage:
    slug: str
    title: str
    summary: str
    order: int
    body: str


def _folder() -> Path:
    return Path(current_app.config["CONTENT_DIR"]) / "help"


def _to_page(doc: frontmatter.Document) -> HelpPage:
    return HelpPage(slug=doc.path.stem, title=doc.meta.get("title", doc.path.stem),
                    summary=doc.meta.get("summary", ""), order=int(doc.meta.get("order", 100)), body=doc.body)


def all_pages() -> list[HelpPage]:
    return sorted((_to_page(doc) for doc in frontmatter.read_folder(_folder())), key=lambda p: (p.order, p.title))


def get_page(slug: str) -> HelpPage | None:
    if not SLUG.match(slug):  # never let a URL reach outside content/help
        return None
    path = _folder() / f"{slug}.md"
    return _to_page(frontmatter.read(path)) if path.is_file() else None
