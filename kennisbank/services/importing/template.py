"""The downloadable template: one sheet per kind with the Dutch headers and an example row, and a sheet
listing the valid themes, statuses, stages, lesson kinds and municipalities."""
from __future__ import annotations

import io

from ...ground import municipalities
from ...models import InnovationStage, LessonKind, ProjectStatus
from ..registry.themes import active_themes
from .columns import FIELDS, KINDS

EXAMPLES = {
    "projecten": {
        "bron_id": "P-2021-014", "title": "Slimme straatverlichting in de binnenstad",
        "question": "Hoe besparen we energie op straatverlichting zonder dat mensen zich onveilig voelen?",
        "municipality": "Eindhoven", "department": "Openbare ruimte", "start_date": "01-03-2021",
        "end_date": "30-06-2022", "status": "afgesloten", "stage": "pilot", "themes": "",
        "lead": "", "outcome": "30% minder energie; bewoners merkten geen verschil.",
    },
    "lessen": {
        "bron_id": "L-2022-003", "title": "Betrek bewoners vóór de aanbesteding", "kind": "mislukking",
        "advice": "Vraag bewoners in de verkenning wat zij nodig hebben, niet pas bij de oplevering.",
        "context": "Pilot slimme verlichting", "project": "P-2021-014",
    },
}


def workbook() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF5"})
    required = book.add_format({"bold": True, "bg_color": "#FCE4C4"})
    for kind, title in KINDS.items():
        sheet = book.add_worksheet(title)
        for column, field in enumerate(FIELDS[kind]):
            sheet.write(0, column, field.header, required if field.required else bold)
            sheet.write(1, column, EXAMPLES[kind].get(field.name, ""))
            if field.hint:
                sheet.write_comment(0, column, field.hint)
            sheet.set_column(column, column, 24)
        sheet.freeze_panes(1, 0)
    lists = book.add_worksheet("Keuzelijsten")
    choices = {
        "Thema's": [theme.name for theme in active_themes()],
        "Status": [status.value for status in ProjectStatus],
        "Fase": [stage.value for stage in InnovationStage],
        "Soort les": [kind.value for kind in LessonKind],
        "Gemeente": [m.name for m in municipalities.all_municipalities()],
    }
    for column, (heading, items) in enumerate(choices.items()):
        lists.write(0, column, heading, bold)
        for row, item in enumerate(items, start=1):
            lists.write(row, column, item)
        lists.set_column(column, column, 28)
    book.close()
    return out.getvalue()
