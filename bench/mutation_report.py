"""The kill rate per rule module after `mutmut run` (`make mutate`), and every survivor not explained.

mutmut breaks the rule modules listed under [tool.mutmut] in pyproject.toml one small change at a time
and runs the tests that reach each change. This prints, per module: mutants, killed (a test failed or the
change made the tests time out), survived, equivalent (survivors listed in bench/mutation_equivalents.toml
with the reason the change cannot alter behaviour), without a test, and the kill rate, of all mutants and
of those not explained as equivalent. Then it lists the
survivors that are neither killed nor explained. Figures are printed, never asserted:
    .venv/bin/python bench/mutation_report.py
"""
from __future__ import annotations

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

REPO = Path(__file__).resolve().parent.parent
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.toml")


def modules() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mutmut"]
    return config["only_mutate"]


def results(module: str) -> dict[str, str]:
    """Mutant name -> status ("killed", "survived", "timeout", "no tests", "not checked", ...)."""
    meta = REPO / "mutants" / f"{module}.meta"
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: status_by_exit_code[code] for name, code in codes.items()}


def main() -> int:
    equivalent = tomllib.loads(EQUIVALENTS.read_text()) if EQUIVALENTS.exists() else {}
    equivalent = {name: reason for section in equivalent.values() for name, reason in section.items()}
    print("| module | mutants | killed | survived | of which equivalent | no test | not run | killed % | "
          "killed % of the rest |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    unexplained: list[str] = []
    totals = Counter()
    for module in modules():
        found = results(module)
        count = Counter(found.values())
        killed = count["killed"] + count["timeout"]
        survivors = [name for name, status in found.items() if status == "survived"]
        explained = [name for name in survivors if name in equivalent]
        unexplained += sorted(set(survivors) - set(explained))
        rate = f"{100 * killed / len(found):.1f}" if found else "–"
        rest = len(found) - len(explained)  # equivalent mutants are not faults a test could find
        rest_rate = f"{100 * killed / rest:.1f}" if rest else "–"
        print(f"| `{module.removeprefix('kennisbank/')}` | {len(found)} | {killed} | {len(survivors)} | "
              f"{len(explained)} | {count['no tests']} | {count['not checked']} | {rate} | {rest_rate} |")
        totals.update(mutants=len(found), killed=killed, survived=len(survivors), explained=len(explained),
                      no_tests=count["no tests"], not_run=count["not checked"])
    if totals["mutants"]:
        print(f"| all | {totals['mutants']} | {totals['killed']} | {totals['survived']} | {totals['explained']} | "
              f"{totals['no_tests']} | {totals['not_run']} | {100 * totals['killed'] / totals['mutants']:.1f} | "
              f"{100 * totals['killed'] / (totals['mutants'] - totals['explained']):.1f} |")
    stale = sorted(set(equivalent) - {name for module in modules() for name, status in results(module).items()
                                      if status == "survived"})
    print(f"\n{len(unexplained)} survivors neither killed nor explained"
          + (" (see each with `.venv/bin/mutmut show NAME`):" if unexplained else "."))
    for name in unexplained:
        print(f"  {name}")
    if stale:
        print(f"\n{len(stale)} entries in {EQUIVALENTS.name} are no longer survivors (killed now, or renumbered):")
        for name in stale:
            print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
