"""Shared form pieces: Dutch validation messages (WTForms' own nl translations) and common fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import InputRequired, Length, ValidationError


class BaseForm(FlaskForm):
    class Meta:
        locales = ["nl_NL", "nl"]


def text(label: str, max_length: int, required: str | None = None, area: bool = False, **kw):
    """A text field with a Dutch length message and, when `required`, a Dutch 'fill this in' message."""
    validators = [Length(max=max_length, message=f"Hoogstens {max_length} tekens.")]
    if required:
        validators.insert(0, InputRequired(required))
    return (TextAreaField if area else StringField)(label, validators=validators, **kw)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class VersionField(HiddenField):
    """The version a form was based on, for optimistic locking."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        try:
            self.data = int(self.data)
        except (TypeError, ValueError):
            self.data = None

    def pre_validate(self, form):
        if self.data is None:
            raise ValidationError("Het formulier mist zijn versienummer. Laad de pagina opnieuw.")


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def split_list(value: str | None) -> list[str]:
    """'a, b; c' and one-per-line both become ['a', 'b', 'c']."""
    if not value:
        return []
    for separator in (";", "\n"):
        value = value.replace(separator, ",")
    return [part.strip() for part in value.split(",") if part.strip()]


class ReviewForm(BaseForm):
    """A theme owner's review of a lesson: on the lesson page and in the review queue on /mijn."""
    remark = text("Opmerking voor de auteur", 2000, area=True)
