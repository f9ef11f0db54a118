from wtforms import DateField, EmailField
from wtforms.validators import InputRequired, Optional

from ..web.forms import BaseForm, text


class TokenForm(BaseForm):
    name = text("Naam (waarvoor is het token?)", 200, required="Geef het token een naam.")
    email = EmailField("Werkt namens (e-mailadres van een medewerker)",
                       validators=[InputRequired("Vul het e-mailadres in van de medewerker namens wie het token werkt.")])


class DepartureForm(BaseForm):
    leaves_on = DateField("Vertrekdatum", validators=[Optional()])
