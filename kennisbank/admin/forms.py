from wtforms import DateField, EmailField
from wtforms.validators import InputRequired, Optional

from ..web.forms import BaseForm, text


class TokenForm(BaseForm):
    name = text("Naam (waarvoor is het token?)", 200, required="Geef het token een naam.")
    email = EmailField("Werkt namens (e-mailadres van een medewerker)",
                       validators=[InputRequired("Vul het e-mailadres in van de medewerker namens wie het token werkt.")])
    valid_until = DateField("Geldig tot en met (leeg: een jaar vanaf vandaag; hoogstens twee jaar)",
                            validators=[Optional()])


class DepartureForm(BaseForm):
    leaves_on = DateField("Vertrekdatum", validators=[Optional()])
