from wtforms import BooleanField, DateField, EmailField, SelectField
from wtforms.validators import Optional

from ..models import MembershipRole, NetworkKind
from ..services.registry.networks import NetworkInput
from ..web.forms import BaseForm, CheckboxesField, VersionField, as_choices, text


class NetworkForm(BaseForm):
    name = text("Naam", 200, required="Geef het netwerk een naam.")
    kind = SelectField("Soort netwerk", choices=as_choices(NetworkKind.choices()))
    description = text("Omschrijving", 20000, area=True)
    url = text("Link naar de website van het netwerk", 500)
    themes = CheckboxesField("Thema's", coerce=int)
    version = VersionField()

    def to_input(self) -> NetworkInput:
        return NetworkInput(name=self.name.data or "", kind=NetworkKind(self.kind.data),
                            description=self.description.data or "", url=self.url.data or "",
                            theme_ids=self.themes.data or [])


class MembershipForm(BaseForm):
    email = EmailField("E-mailadres van de collega (leeg: uzelf)", validators=[Optional()])
    role = SelectField("Rol", choices=as_choices(MembershipRole.choices()), default=MembershipRole.MEMBER.value)
    personal_capacity = BooleanField("Op persoonlijke titel (niet namens de gemeente)")
    since = DateField("Lid sinds", validators=[Optional()])
    note = text("Toelichting", 500)


# The fields an edit conflict compares, by their label on the conflict page.
CONFLICT_FIELDS = {"name": "Naam", "kind": "Soort", "description": "Omschrijving",
                   "url": "Link", "themes": "Thema's"}
