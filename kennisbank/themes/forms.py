from ..web.forms import BaseForm, CheckboxesField, VersionField, text


class ThemeForm(BaseForm):
    name = text("Naam", 120, required="Geef het thema een naam.")
    description = text("Korte omschrijving", 500, required="Geef een korte omschrijving.")
    synthesis = text("Wat we weten over dit thema", 50000, area=True)
    version = VersionField()


class NewThemeForm(BaseForm):
    name = text("Naam", 120, required="Geef het thema een naam.")
    description = text("Korte omschrijving", 500, required="Geef een korte omschrijving.")


class OwnersForm(BaseForm):
    owners = CheckboxesField("Themaeigenaren", coerce=int)


# The fields an edit conflict compares, by their label on the conflict page.
CONFLICT_FIELDS = {"name": "Naam", "description": "Omschrijving",
                   "synthesis": "Wat we weten"}
