"""README documents every CLI command and every configuration variable (a docs test, as Datasette does)."""
from kennisbank.cli import kb
from kennisbank.config import ENV_KEYS

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_readme():
    missing = [name for name in kb.commands if f"kb {name}" not in README]
    assert missing == []


def test_every_environment_variable_is_in_readme():
    names = list(ENV_KEYS) + ["DATABASE_URL", "KENNISBANK_INSTANCE_DIR"]
    missing = [name for name in names if name not in README]
    assert missing == []


def test_readme_has_the_two_commands_and_demo_accounts():
    assert "make run" in README and "make test" in README
    assert "kennisbank-demo" in README
    for email in ["noor.bakker@amsterdam.example", "daan.visser@rotterdam.example",
                  "femke.dewit@amsterdam.example", "beheerder@kennisbank.example"]:
        assert email in README


def test_publiccode_yml_and_licence_agree():
    import tomllib

    import yaml

    meta = yaml.safe_load((REPO / "publiccode.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for key in ("publiccodeYmlVersion", "name", "url", "platforms", "categories", "developmentStatus",
                "softwareType", "description", "legal", "maintenance", "localisation"):
        assert key in meta, key
    assert meta["legal"]["license"] == project["license"] == "EUPL-1.2"
    assert meta["softwareVersion"] == project["version"]
    assert len(meta["description"]["nl"]["longDescription"]) >= 150
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
