"""Municipality validation against the 342 CBS municipalities, with everyday aliases."""
import csv

import pytest

from kennisbank.services import municipalities
from kennisbank.services.errors import DomainError

from .conftest import SHARED_DATA


def reference_rows():
    path = SHARED_DATA / "gemeenten.csv"
    if not path.exists():
        pytest.skip("../shared/data/gemeenten.csv is not beside this checkout")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_packaged_list_matches_the_reference_file():
    rows = reference_rows()
    assert len(rows) == 342
    assert {(m.code, m.name, m.province) for m in municipalities.all_municipalities()} == {
        (r["code"], r["naam"], r["provincie"]) for r in rows}


def test_every_official_name_and_code_resolves_to_itself():
    for row in reference_rows():
        assert municipalities.resolve(row["naam"]).code == row["code"], row["naam"]
        assert municipalities.resolve(row["code"]).code == row["code"]
        assert municipalities.resolve(row["naam"].upper()).code == row["code"]


@pytest.mark.parametrize("alias, code", [
    ("Den Haag", "GM0518"), ("den haag", "GM0518"), ("s-Gravenhage", "GM0518"), ("Gemeente Den Haag", "GM0518"),
    ("Den Bosch", "GM0796"), ("'s-Hertogenbosch", "GM0796"), ("’s-Hertogenbosch", "GM0796"),
    ("Bergen NH", "GM0373"), ("Bergen (L.)", "GM0893"), ("Sudwest-Fryslan", "GM1900"),
    ("Súdwest-Fryslân", "GM1900"), ("Nuenen", "GM0820"), ("0363", "GM0363"), ("gm0599", "GM0599"),
])
def test_everyday_aliases(alias, code):
    assert municipalities.resolve(alias).code == code


@pytest.mark.parametrize("value, message", [
    ("Atlantis", "'Atlantis' is geen Nederlandse gemeente"),
    ("Amsterdm", "geen Nederlandse gemeente"),
    ("Bergen", "Bedoelt u Bergen (NH.)"),
    ("", "Vul een gemeente in."),
])
def test_unknown_or_ambiguous_names_get_a_clear_dutch_error(value, message):
    with pytest.raises(DomainError) as refusal:
        municipalities.resolve(value)
    assert message in refusal.value.message
    assert "municipality" in refusal.value.field_errors


def test_display_name_uses_everyday_name():
    assert municipalities.by_code("GM0518").display_name == "Den Haag"
    assert municipalities.by_code("GM0363").display_name == "Amsterdam"
    assert municipalities.by_code("GM9999") is None
