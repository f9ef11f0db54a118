from wtforms import RadioField
from wtforms.validators import InputRequired

from ..services.notifying.follows import MODES
from ..web.forms import BaseForm, as_choices


class SettingsForm(BaseForm):
    mode = RadioField("Hoe wilt u bericht krijgen over wat u volgt?", choices=as_choices(MODES.items()),
                      validators=[InputRequired("Kies direct of dagelijks.")],
                      validate_choice=False)  # the service refuses an unknown mode, in Dutch, on the field
