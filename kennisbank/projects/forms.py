from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ..forms import BaseForm, as_choices, CheckboxesField, VersionField, split_list, text
from ..models import InnovationStage
from ..services.projects import ProjectInput


class ProjectForm(BaseForm):
    title = text("Titel", 200, required="Geef het project een titel.")
    question = text("Maatschappelijk vraagstuk", 5000, area=True,
                    required="Beschrijf welk maatschappelijk vraagstuk het project oplost.")
    municipality = text("Gemeente", 120)
    organisation = text("Organisatie (als het geen project van een gemeente is)", 200)
    department = text("Afdeling", 200)
    goal = text("Doel", 5000, area=True)
    approach = text("Aanpak", 20000, area=True)
    partners = text("Partners", 2000, area=True)
    funding = text("Financiering", 2000, area=True)
    area = text("Gebied", 200)
    start_date = DateField("Startdatum", validators=[Optional()])
    end_date = DateField("Einddatum", validators=[Optional()])
    stage = SelectField("Innovatiefase", choices=as_choices(InnovationStage.choices()),
                        default=InnovationStage.EXPLORATION.value)
    themes = CheckboxesField("Thema's", coerce=int)
    team = text("Collega's in het projectteam (e-mailadressen, gescheiden door komma's)", 2000)
    tags = text("Trefwoorden (gescheiden door komma's)", 500)
    links = text("Links (één per regel)", 2000, area=True)
    version = VersionField()

    def to_input(self) -> ProjectInput:
        return ProjectInput(
            title=self.title.data or "", question=self.question.data or "", municipality=self.municipality.data or "",
            organisation=self.organisation.data or "", department=self.department.data or "",
            goal=self.goal.data or "", approach=self.approach.data or "", partners=self.partners.data or "",
            funding=self.funding.data or "", area=self.area.data or "", start_date=self.start_date.data,
            end_date=self.end_date.data, stage=InnovationStage(self.stage.data), theme_ids=self.themes.data or [],
            team_emails=split_list(self.team.data), tags=split_list(self.tags.data), links=self.links.data or "")


# Form field -> (project attribute, label): what the conflict page compares.
CONFLICT_FIELDS = {
    "title": ("title", "Titel"), "question": ("question", "Maatschappelijk vraagstuk"),
    "municipality": ("municipality_code", "Gemeente"), "organisation": ("organisation", "Organisatie"),
    "goal": ("goal", "Doel"), "approach": ("approach", "Aanpak"), "partners": ("partners", "Partners"),
    "stage": ("stage", "Innovatiefase"), "themes": ("themes", "Thema's"), "end_date": ("end_date", "Einddatum"),
}
