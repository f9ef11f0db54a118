from wtforms import BooleanField, RadioField

from ..models import LessonKind
from ..services.registry.lessons import LessonInput
from ..web.forms import BaseForm, CheckboxesField, VersionField, as_choices, split_list, text


class LessonForm(BaseForm):
    title = text("Titel", 200, required="Geef de les een korte titel.")
    kind = RadioField("Soort les", choices=as_choices(LessonKind.choices()), default=LessonKind.FAILURE.value)
    context = text("Context: wat maakte dat het hier zo liep?", 5000, area=True)
    what_happened = text("Wat gebeurde er?", 5000, area=True)
    lesson_learned = text("Wat is de les?", 5000, area=True)
    advice = text("Advies voor het volgende project", 5000, area=True,
                  required="Schrijf een advies voor het volgende project: wat moet een ander doen of laten?")
    transferability = text("Overdraagbaarheid: waar geldt dit wel en niet?", 2000, area=True)
    themes = CheckboxesField("Thema's", coerce=int)
    tags = text("Trefwoorden (gescheiden door komma's)", 500)
    on_behalf_of_team = BooleanField("Toon deze les als geschreven 'namens het projectteam'")
    version = VersionField()

    def to_input(self) -> LessonInput:
        return LessonInput(
            title=self.title.data or "", kind=LessonKind(self.kind.data), advice=self.advice.data or "",
            context=self.context.data or "", what_happened=self.what_happened.data or "",
            lesson_learned=self.lesson_learned.data or "", transferability=self.transferability.data or "",
            theme_ids=self.themes.data or [], tags=split_list(self.tags.data),
            on_behalf_of_team=bool(self.on_behalf_of_team.data))


# The fields an edit conflict compares, by their label on the conflict page.
CONFLICT_FIELDS = {
    "title": "Titel", "kind": "Soort", "context": "Context",
    "what_happened": "Wat gebeurde er?", "lesson_learned": "Les",
    "advice": "Advies", "transferability": "Overdraagbaarheid",
    "themes": "Thema's",
}
