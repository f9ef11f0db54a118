"""Municipality validation against the 342 CBS municipalities, with everyday aliases."""
import csv

import pytest

from kennisbank.ground import municipalities
from kennisbank.ground.errors import DomainError

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


@pytest.mark.parametrize("value, message", [
    ("Atlantis", "'Atlantis' is geen Nederlandse gemeente volgens de CBS-lijst van 2025. Controleer de spelling, of "
                 "vul bij 'Organisatie' een provincie, partner of kennisinstelling in."),
    ("  Den Hag ", "'Den Hag' is geen Nederlandse gemeente volgens de CBS-lijst van 2025. Bedoelt u Den Haag?"),
    ("Bergen", "Bedoelt u Bergen (NH.) in Noord-Holland of Bergen (L.) in Limburg?"),
    (" - ", "Vul een gemeente in."),
    ("x" * 100 + "q", f"'{'x' * 80}' is geen Nederlandse gemeente volgens de CBS-lijst van 2025. Controleer de "
                      "spelling, of vul bij 'Organisatie' een provincie, partner of kennisinstelling in."),
])
def test_every_refusal_reads_in_full_beside_the_field(value, message):
    with pytest.raises(DomainError) as refusal:
        municipalities.resolve(value)
    assert refusal.value.message == message and refusal.value.field_errors == {"municipality": message}


@pytest.mark.parametrize("value, meant", [("Amsterdm", "GM0363"), ("Den Hag", "GM0518"), ("Zwole", "GM0193"),
                                          ("Q", None), ("", None), ("Rotterdamm", "GM0599"),
                                          ("Zwolle stad", None), ("Leidsche", None),  # similar, not close enough
                                          ("0364", None), ("GM0364", None)])  # codes are never guessed
def test_closest_names_the_municipality_a_misspelling_means(value, meant):
    found = municipalities.closest(value)
    assert (found.code if found else None) == meant


def test_the_list_is_sorted_as_people_read_it_and_codes_resolve_in_every_form():
    names = [m.display_name for m in municipalities.all_municipalities()]
    assert names[:2] == ["Aa en Hunze", "Aalsmeer"] and "Den Haag" in names
    assert [municipalities.normalise(n) for n in names] == sorted(municipalities.normalise(n) for n in names)
    assert municipalities.by_code(" gm0363 ").name == "Amsterdam" and municipalities.by_code("") is None
    assert municipalities.by_code(None) is None and municipalities.by_code("0363").code == "GM0363"


@pytest.mark.parametrize("raw, normal", [("Súdwest-Fryslân", "sudwest fryslan"), ("De Gemeente Ede", "ede"),
                                         ("gemeente  Den Haag", "den haag"), ("'s-Gravenhage", "s gravenhage"),
                                         ("  Bergen (L.)  ", "bergen l"), ("Gemeentehuis", "gemeentehuis")])
def test_normalise_folds_what_people_type(raw, normal):
    assert municipalities.normalise(raw) == normal
