"""Imports from spreadsheets: each run with its file, counts and refused rows; remembered column names."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .user import User


class ImportRun(db.Model):
    """One uploaded file: first checked (status 'voorbeeld', nothing written), then carried out once."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # projecten | lessen
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # bytes of the uploaded file
    mapping: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # header -> field, as chosen
    # One value for every row that has none, per field; and per field, cell text -> the value it stands for.
    defaults: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    translations: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # Bron-ids are one list's own numbers: they count within this source (the importer's organisation,
    # or the source named at import), so another list numbered 1, 2, 3 never updates this one's items.
    source: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # The last check as the report page shows it (header, mapping, notes, first rows): stored, not redone.
    report: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # voorbeeld (checked, nothing written) | wachtrij (large: waits for a process) | bezig | uitgevoerd
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="voorbeeld")
    created: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refused: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    problems: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [row, column, message]
    refused_csv: Mapped[str] = mapped_column(Text, nullable=False, default="", deferred=True)  # downloaded only
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # A large import runs in the background; the process running it beats this. A run whose heartbeat
    # stopped (the process died) is taken over by another: importing again is harmless (bron-id).
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    by: Mapped[User | None] = relationship()


class ImportRunPart(db.Model):
    """The uploaded file in pieces of at most a megabyte: a web process stores a 25 MB upload without ever
    holding it whole (only the process that checks it reads it all)."""

    __tablename__ = "import_run_parts"

    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class ImportColumnAlias(db.Model):
    """A column name an importer mapped to a field once: their same spreadsheet maps by itself next time.
    Kept per importer, and never over a header kennisbank knows itself."""

    __tablename__ = "import_column_aliases"
    __table_args__ = (Index("uq_import_column_aliases_user_kind_key", "user_id", "kind", "header_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    header_key: Mapped[str] = mapped_column(String(200), nullable=False)
    field: Mapped[str] = mapped_column(String(40), nullable=False)
