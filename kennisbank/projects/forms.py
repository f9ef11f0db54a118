from wtforms import BooleanField, DateField, RadioField, SelectField
from wtforms.validators import Optional

from ..models import InnovationStage, LessonKind, ProjectStatus
from ..services.gates.closure import ClosureInput
from ..services.registry import limits
from ..services.registry.lessons import LessonInput
from ..services.registry.projects import ProjectInput
from ..web.forms import BaseForm, CheckboxesField, VersionField, as_choices, split_list, text


class ProjectForm(BaseForm):
    title = text("Titel", limits.PROJECT["title"], required="Geef het project een titel.")
    question = text("Maatschappelijk vraagstuk", limits.PROJECT["question"], area=True,
                    required="Beschrijf welk maatschappelijk vraagstuk het project oplost.")
    municipality = text("Gemeente", limits.PROJECT["municipality"])
    organisation = text("Organisatie (als het geen project van een gemeente is)", limits.PROJECT["organisation"])
    department = text("Afdeling", limits.PROJECT["department"])
    goal = text("Doel", limits.PROJECT["goal"], area=True)
    approach = text("Aanpak", limits.PROJECT["approach"], area=True)
    partners = text("Partners", limits.PROJECT["partners"], area=True)
    funding = text("Financiering", limits.PROJECT["funding"], area=True)
    area = text("Gebied", limits.PROJECT["area"])
    start_date = DateField("Startdatum", validators=[Optional()])
    end_date = DateField("Einddatum", validators=[Optional()])
    stage = SelectField("Innovatiefase", choices=as_choices(InnovationStage.choices()),
                        default=InnovationStage.EXPLORATION.value)
    themes = CheckboxesField("Thema's", coerce=int)
    team = text("Collega's in het projectteam (e-mailadressen, gescheiden door komma's)", limits.PROJECT["team"])
    tags = text("Trefwoorden (gescheiden door komma's)", limits.PROJECT["tags"])
    links = text("Links (één per regel)", limits.PROJECT["links"], area=True)
    version = VersionField()

    def to_input(self) -> ProjectInput:
        return ProjectInput(
            title=self.title.data or "", question=self.question.data or "", municipality=self.municipality.data or "",
            organisation=self.organisation.data or "", department=self.department.data or "",
            goal=self.goal.data or "", approach=self.approach.data or "", partners=self.partners.data or "",
            funding=self.funding.data or "", area=self.area.data or "", start_date=self.start_date.data,
            end_date=self.end_date.data, stage=InnovationStage(self.stage.data), theme_ids=self.themes.data or [],
            team_emails=split_list(self.team.data), tags=split_list(self.tags.data), links=self.links.data or "")


# The fields an edit conflict compares, by their label on the conflict page.
CONFLICT_FIELDS = {
    "title": "Titel", "question": "Maatschappelijk vraagstuk",
    "municipality": "Gemeente", "organisation": "Organisatie",
    "goal": "Doel", "approach": "Aanpak", "partners": "Partners",
    "stage": "Innovatiefase", "themes": "Thema's", "end_date": "Einddatum",
}


class ClosureForm(BaseForm):
    """The closure screen: how it ended, the outcome, the stage reached, the lessons used — and a quick
    lesson, so that the lesson that is still missing can be written right here."""

    status = RadioField("Hoe eindigt het project?", default=ProjectStatus.CLOSED.value, choices=as_choices([
        (ProjectStatus.CLOSED.value, "Afgesloten: het project is klaar"),
        (ProjectStatus.STOPPED.value, "Gestopt: het project is voortijdig beëindigd")]))
    outcome = text("Resultaat: wat is er bereikt, en wat niet?", limits.PROJECT["outcome"], area=True)
    stage = RadioField("Welke innovatiefase heeft het project bereikt?", choices=as_choices(InnovationStage.choices()))
    closure_note = text("Geen mislukking of verbeterpunt? Leg uit waarom niets slechter ging dan verwacht", 5000,
                        area=True)
    stop_lesson = RadioField("Welke les legt uit waarom het project stopte?", coerce=int, validators=[Optional()])
    used_lessons = CheckboxesField("Welke lessen uit eerder werk heeft het project gebruikt?", coerce=int)
    lesson_title = text("Titel van de les", limits.LESSON["title"])
    lesson_kind = RadioField("Soort les", choices=as_choices(LessonKind.choices()), default=LessonKind.FAILURE.value)
    lesson_context = text("Context: wat maakte dat het hier zo liep?", limits.LESSON["context"], area=True)
    lesson_what_happened = text("Wat gebeurde er?", limits.LESSON["what_happened"], area=True)
    lesson_learned = text("Wat is de les?", limits.LESSON["lesson_learned"], area=True)
    lesson_advice = text("Advies voor het volgende project", limits.LESSON["advice"], area=True)
    lesson_explains_stop = BooleanField("Deze les legt uit waarom het project stopte")
    version = VersionField()

    LESSON_FIELDS = ("lesson_title", "lesson_context", "lesson_what_happened", "lesson_learned", "lesson_advice")

    def has_new_lesson(self) -> bool:
        return any((getattr(self, name).data or "").strip() for name in self.LESSON_FIELDS)

    def lesson_input(self) -> LessonInput:
        return LessonInput(title=self.lesson_title.data or "", kind=LessonKind(self.lesson_kind.data),
                           advice=self.lesson_advice.data or "", context=self.lesson_context.data or "",
                           what_happened=self.lesson_what_happened.data or "",
                           lesson_learned=self.lesson_learned.data or "")

    def clear_new_lesson(self) -> None:
        for name in self.LESSON_FIELDS:
            getattr(self, name).data = ""
        self.lesson_explains_stop.data = False

    def to_input(self) -> ClosureInput:
        return ClosureInput(status=ProjectStatus(self.status.data), outcome=self.outcome.data or "",
                            stage=InnovationStage(self.stage.data), closure_note=self.closure_note.data or "",
                            stop_lesson_id=self.stop_lesson.data or None, used_lesson_ids=self.used_lessons.data or [])


# Where the closure service's reasons and the lesson service's reasons land on the closure form.
CLOSURE_ERROR_FIELDS = {"lessons": "lesson_title", "title": "lesson_title", "advice": "lesson_advice",
                        "themes": "lesson_title"}
