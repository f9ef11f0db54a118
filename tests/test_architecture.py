"""The floors of the house hold: import-linter's contracts in pyproject.toml pass, and each contract breaks
when someone writes the import it forbids (so a contract that checks nothing cannot pass unnoticed)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH first: the copy under test is imported, not the installed checkout.
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "400"}  # no folded lines in the report
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=120)


def test_every_import_contract_is_kept():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.fixture(scope="module")
def house_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("house")
    shutil.copytree(REPO / "kennisbank", root / "kennisbank", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


# (file, the import it gets, the contract that must break, what the report names)
BREAKS = [
    ("search/query.py", "from ..services.access import permissions", "Floors",
     "kennisbank.search is not allowed to import kennisbank.services"),
    ("models/theme.py", "from ..ground import errors\nfrom ..search import dutch", "Floors",
     "kennisbank.models is not allowed to import kennisbank.search"),
    ("ground/municipalities.py", "from ..services.access import users", "Floors",
     "kennisbank.ground is not allowed to import kennisbank.services"),
    ("core/views.py", "from ..lessons import forms as lesson_forms", "Floors",
     "kennisbank.core is not allowed to import kennisbank.lessons"),
    ("services/access/permissions.py", "from ..registry import projects as registry_projects", "Services",
     "kennisbank.services.access is not allowed to import kennisbank.services.registry"),
    ("auth/sign_in.py", "from . import oidc as provider", "No circle",
     "No cycles are allowed in kennisbank.auth"),
]


@pytest.mark.parametrize("relative, line, contract, named", BREAKS, ids=[b[0] for b in BREAKS])
def test_a_forbidden_import_breaks_its_contract(house_copy, relative, line, contract, named):
    target = house_copy / "kennisbank" / relative
    original = target.read_text(encoding="utf-8")
    target.write_text(original + f"\n{line}  # noqa: E402,F401\n", encoding="utf-8")
    try:
        result = _lint(house_copy)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken and named in broken, result.stdout


def test_a_new_top_level_module_must_be_given_a_floor(house_copy):
    """`exhaustive`: a new room outside the listed floors is refused until the contract places it."""
    extra = house_copy / "kennisbank" / "newroom.py"
    extra.write_text('"""A room nobody placed."""\n', encoding="utf-8")
    try:
        result = _lint(house_copy)
    finally:
        extra.unlink()
    assert result.returncode != 0
    assert "kennisbank.newroom" in result.stdout
