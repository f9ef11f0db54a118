"""What every benchmark does with its figures: percentiles in milliseconds, print them aligned, and keep
them in bench/results/ (not committed)."""
from __future__ import annotations

import json

from corpus import REPO


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def report(figures: dict, targets: str, name: str) -> None:
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:{width}}  {value}")
    print(targets)
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str))
