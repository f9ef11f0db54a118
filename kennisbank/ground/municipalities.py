"""The 342 CBS municipalities (2025) and the everyday names people use for them."""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .errors import DomainError


@dataclass(frozen=True)
class Municipality:
    code: str  # CBS code, e.g. GM0363
    name: str  # official CBS name, e.g. 's-Gravenhage
    province: str

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES.get(self.code, self.name)


# Everyday names -> CBS code. Official names differ from what people write ("'s-Gravenhage" = Den Haag).
ALIASES = {
    "den haag": "GM0518",
    "the hague": "GM0518",
    "s gravenhage": "GM0518",
    "den bosch": "GM0796",
    "s hertogenbosch": "GM0796",
    "hertogenbosch": "GM0796",
    "bergen nh": "GM0373",
    "bergen noord holland": "GM0373",
    "bergen l": "GM0893",
    "bergen limburg": "GM0893",
    "nuenen": "GM0820",
    "sudwest friesland": "GM1900",
    "noardeast friesland": "GM1970",
}
# What the UI shows where the official name is not what people say.
DISPLAY_NAMES = {"GM0518": "Den Haag", "GM0796": "'s-Hertogenbosch (Den Bosch)"}
AMBIGUOUS = {"bergen": "Bedoelt u Bergen (NH.) in Noord-Holland of Bergen (L.) in Limburg?"}


def normalise(name: str) -> str:
    """Fold case, accents, apostrophes and punctuation: "Súdwest-Fryslân" -> "sudwest fryslan"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"^(de )?gemeente ", "", text.strip())
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return text.strip()


@cache
def all_municipalities() -> tuple[Municipality, ...]:
    with resources.files("kennisbank.data").joinpath("gemeenten.csv").open(encoding="utf-8") as handle:
        rows = [Municipality(row["code"], row["naam"], row["provincie"]) for row in csv.DictReader(handle)]
    return tuple(sorted(rows, key=lambda m: normalise(m.display_name)))


@cache
def _index() -> dict[str, Municipality]:
    by_key: dict[str, Municipality] = {}
    by_code = {m.code: m for m in all_municipalities()}
    for municipality in all_municipalities():
        by_key[normalise(municipality.name)] = municipality
        by_key[municipality.code.lower()] = municipality
        by_key[municipality.code[2:]] = municipality  # "0363"
    for alias, code in ALIASES.items():
        by_key[alias] = by_code[code]
    return by_key


def by_code(code: str | None) -> Municipality | None:
    if not code:
        return None
    return _index().get(code.strip().lower())


def resolve(value: str) -> Municipality:
    """Find a municipality by CBS name, everyday name or CBS code.

    :raises DomainError: with a Dutch message when the name is unknown or ambiguous.
    """
    key = normalise(value or "")
    if not key:
        raise DomainError("Vul een gemeente in.", {"municipality": "Vul een gemeente in."})
    if key in AMBIGUOUS:
        raise DomainError(AMBIGUOUS[key], {"municipality": AMBIGUOUS[key]})
    found = _index().get(key)
    if found is None:
        meant = closest(value)
        message = f"'{value.strip()[:80]}' is geen Nederlandse gemeente volgens de CBS-lijst van 2025. " + (
            f"Bedoelt u {meant.display_name}?" if meant else
            "Controleer de spelling, of vul bij 'Organisatie' een provincie, partner of kennisinstelling in.")
        raise DomainError(message, {"municipality": message})
    return found


def closest(value: str) -> Municipality | None:
    """The municipality a misspelt name most likely means ('Den Hag' -> Den Haag), if one is close."""
    import difflib

    names = [key for key in _index() if not key[:1].isdigit() and not key.startswith("gm")]
    match = difflib.get_close_matches(normalise(value or ""), names, n=1, cutoff=0.8)
    return _index()[match[0]] if match else None
