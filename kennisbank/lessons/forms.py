from wtforms import BooleanField, RadioField

from ..models import LessonKind
from ..services.registry import limits
from ..services.registry.lessons import LessonInput
from ..web.forms import BaseForm, CheckboxesField, VersionField, as_choices, split_list, text


class LessonForm(BaseForm):
    title = text("Titel", limits.LESSON["title"], required="Geef de les een korte titel.")
    kind = RadioField("Soort les", choices=as_choices(LessonKind.choices()), default=LessonKind.FAILURE.value)
    context = text("Context: wat maakte dat het hier zo liep?", limits.LESSON["context"], area=True)
    what_happened = text("Wat gebeurde er?", limits.LESSON["what_happened"], area=True)
    lesson_learned = text("Wat is de les?", limits.LESSON["lesson_learned"], area=True)
    advice = text("Advies voor het volgende project", limits.LESSON["advice"], area=True,
                  required="Schrijf een advies voor het volgende project: wat moet een ander doen of laten?")
    transferability = text("Overdraagbaarheid: waar geldt dit wel en niet?", limits.LESSON["transferability"], area=True)
    themes = CheckboxesField("Thema's", coerce=int)
    tags = text("Trefwoorden (gescheiden door komma's)", limits.LESSON["tags"])
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
