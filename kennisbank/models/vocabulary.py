"""A group of words that mean the same in search (AVG; privacy; persoonsgegevens), with its source."""
from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import SoftDeletable, Timestamps, Versioned


class VocabularyEntry(Versioned, Timestamps, SoftDeletable, db.Model):
    __tablename__ = "vocabulary_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[str] = mapped_column(Text, nullable=False)  # "AVG; privacy; persoonsgegevens", as written
    source: Mapped[str] = mapped_column(String(300), nullable=False)
    # Broader concepts, "cyberaanval" for "ransomware; gijzelsoftware": as written, separated by ';'.
    broader: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    origin: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # content file, "" if made in the app

    @property
    def term_list(self) -> list[str]:
        return [term.strip() for term in self.terms.split(";")]

    @property
    def broader_list(self) -> list[str]:
        return [term.strip() for term in self.broader.split(";")] if self.broader.strip() else []

    @property
    def name(self) -> str:
        return self.term_list[0]

    def __repr__(self) -> str:
        return f"<VocabularyEntry {self.name}>"
