"""Import of a 10,000-row project spreadsheet (XLSX): reading, checking (dry run), importing, importing the
same file again (every row unchanged), rows per second and peak memory. The reference in the same run is
reading the file alone with python-calamine, so the ratios say what checking and writing add.

Usage: .venv/bin/python bench/bench_import.py [--rows 10000]
"""
from __future__ import annotations

import argparse
import io
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import REPO, Generator  # noqa: E402
from report import report  # noqa: E402

sys.path.insert(0, str(REPO))


def spreadsheet(rows: int) -> bytes:
    import xlsxwriter

    from kennisbank.ground import municipalities

    names = [m.name for m in municipalities.all_municipalities()]
    statuses = ["afgesloten", "gestopt", "gestart", "afgesloten"]
    rng = random.Random(7)
    words = Generator(seed=7)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Projecten")
    sheet.write_row(0, 0, ["Bron-id", "Titel", "Vraag", "Gemeente", "Status", "Startdatum", "Einddatum", "Fase",
                           "Trefwoorden"])
    for n in range(1, rows + 1):
        sheet.write_row(n, 0, [f"P-{n:05d}", words.title()[:190], words.text(2),
                               rng.choice(names), rng.choice(statuses), f"{rng.randint(1, 28):02d}-03-2019",
                               43900 + rng.randint(0, 900), rng.choice(["verkenning", "pilot", "opschaling"]),
                               "energie, wijk"])
    book.close()
    return out.getvalue()


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    from python_calamine import CalamineWorkbook

    from kennisbank import create_app
    from kennisbank.extensions import db
    from kennisbank.services.access import users
    from kennisbank.services.importing import run as importing

    content = spreadsheet(args.rows)
    with tempfile.TemporaryDirectory(prefix="kb-bench-import-") as work:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/k.sqlite", "INDEX_DIR": f"{work}/index",
                          "SEARCH_SYNC": "manual", "IMPORT_MAX_ROWS": args.rows,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}, instance_path=work)
        with app.app_context():
            db.create_all()
            admin = users.create_user("beheer@bench.example", "Beheer", "lang-genoeg-wachtwoord", is_admin=True)
            db.session.commit()
            before = peak_mb()
            started = time.perf_counter()
            CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
            read = time.perf_counter() - started

            def timed(dry_run: bool):
                run = importing.start("projecten", "bench.xlsx", content, admin)
                begun = time.perf_counter()
                importing.execute(run, admin, dry_run=dry_run)
                db.session.commit()
                return time.perf_counter() - begun, run

            check, checked = timed(True)
            first, done = timed(False)
            again, repeated = timed(False)
            assert done.created == args.rows and repeated.unchanged == args.rows, (done.problems[:3])
    report({
        "rows": args.rows, "file_kb": len(content) // 1024,
        "read_only_s (reference)": round(read, 2),
        "check_dry_run_s": round(check, 2), "import_s": round(first, 2), "reimport_unchanged_s": round(again, 2),
        "import_rows_per_s": round(args.rows / first),
        "import_vs_read": round(first / read, 1),
        "peak_rss_mb": peak_mb(), "peak_rss_growth_mb": round(peak_mb() - before, 1),
    }, "targets: 10,000 rows imported in well under a minute, in one request", "import")


if __name__ == "__main__":
    main()
