from ..search.vocabulary import MAX_SOURCE_LENGTH
from ..web.forms import BaseForm, VersionField, text


class NewVocabularyForm(BaseForm):
    terms = text("Woorden die hetzelfde betekenen", 1000, required="Vul de woorden in, gescheiden door een puntkomma.")
    source = text("Bron", MAX_SOURCE_LENGTH, required="Noem de bron: de wet, de standaard of de pagina.")
    broader = text("Bredere begrippen (niet verplicht)", 300)


class VocabularyForm(NewVocabularyForm):
    version = VersionField()


# The fields an edit conflict compares, by their label on the conflict page.
CONFLICT_FIELDS = {"terms": "Woorden", "source": "Bron", "broader": "Bredere begrippen"}
