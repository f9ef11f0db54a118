"""Markdown files with YAML front matter, the format of everything under content/."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


class FrontMatterError(ValueError):
    pass


@dataclass
class Document:
    path: Path
    meta: dict
    body: str


def parse(text: str, path: Path) -> Document:
    """Split '---\\n<yaml>\\n---\\n<markdown>'; a file without front matter is all body."""
    if not text.startswith("---"):
        return Document(path, {}, text.strip())
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise FrontMatterError(f"{path.name}: de front matter wordt niet afgesloten met '---'.")
    try:
        meta = yaml.safe_load(parts[0][3:]) or {}
    except yaml.YAMLError as error:
        raise FrontMatterError(f"{path.name}: ongeldige YAML in de front matter: {error}") from error
    if not isinstance(meta, dict):
        raise FrontMatterError(f"{path.name}: de front matter moet uit 'sleutel: waarde'-regels bestaan.")
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    return Document(path, meta, body.strip())


def read(path: Path) -> Document:
    return parse(path.read_text(encoding="utf-8"), path)


def read_folder(folder: Path) -> list[Document]:
    """Every .md file in `folder`, sorted by name so that loading is deterministic."""
    if not folder.is_dir():
        return []
    return [read(path) for path in sorted(folder.glob("*.md"))]
