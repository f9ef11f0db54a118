"""The Whoosh schema: one index over projects, lessons, networks, themes and people.

The index keeps ids, the analysed text and the facet values; it stores no display text. Result pages
load rows from the database by id, so a lagging index never shows stale titles.
"""
from whoosh import fields

from .analysis import dutch_analyzer

KINDS = ("project", "lesson", "network", "theme", "person")

# Bump when the schema or what documents contain changes: every index built for another version
# rebuilds itself from the database (its cursor no longer counts).
SCHEMA_VERSION = 4  # 4: hyphenated words also indexed joined ('mijnomgeving')

# Section weights in the one text field: title > summary > body; compound parts low, so exact words
# rank first; the text of attachments (long reports) lowest, so a report never outranks a title.
WEIGHTS = {"title": 4.0, "summary": 2.0, "body": 1.0, "parts": 0.4, "attachments": 0.3}


def build_schema() -> fields.Schema:
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),           # "project:12"
        digest=fields.STORED(),                              # fingerprint of the source row (drift checks)
        kind=fields.ID(stored=True, sortable=True),
        item_id=fields.NUMERIC(int, stored=True),
        text=fields.TEXT(analyzer=dutch_analyzer(), phrase=True),
        theme=fields.KEYWORD(commas=True, lowercase=True),   # theme slugs, for thema: filters
        themes_col=fields.COLUMN(fields.columns.VarBytesColumn()),  # the same, for facet counts
        municipality=fields.ID(sortable=True),
        lesson_kind=fields.ID(sortable=True),
        status=fields.ID(sortable=True),
        state=fields.ID(sortable=True),                      # lesson review state
        year=fields.NUMERIC(int, sortable=True),
        date=fields.DATETIME(sortable=True),
        # Concepts (and their lessons) are drafts: hidden except from the user ids in `viewers`.
        draft=fields.BOOLEAN(),
        viewers=fields.KEYWORD(commas=True),
    )
