"""The closed vocabularies of the domain. Values are the Dutch words stored in the database;
`label` is what the UI shows."""
from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    @property
    def label(self) -> str:
        return LABELS.get(self, self.value.replace("_", " ").capitalize())

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


class ProjectStatus(LabelledEnum):
    CONCEPT = "concept"
    STARTED = "gestart"
    CLOSED = "afgesloten"
    STOPPED = "gestopt"


class InnovationStage(LabelledEnum):
    EXPLORATION = "verkenning"
    PILOT = "pilot"
    SCALE_UP = "opschaling"
    IMPLEMENTATION = "implementatie"


class LessonKind(LabelledEnum):
    SUCCESS = "succes"
    FAILURE = "mislukking"
    IMPROVEMENT = "verbeterpunt"
    INSIGHT = "inzicht"


class ReviewState(LabelledEnum):
    UNREVIEWED = "ongetoetst"
    REVIEWED = "getoetst"
    ARCHIVED = "gearchiveerd"


class NetworkKind(LabelledEnum):
    INTERNAL = "intern"
    REGIONAL = "regionaal"
    NATIONAL = "landelijk"
    EUROPEAN = "europees"
    KNOWLEDGE_INSTITUTE = "kennisinstelling"
    OTHER = "overig"


class MembershipRole(LabelledEnum):
    MEMBER = "lid"
    LEAD = "trekker"
    REPRESENTATIVE = "vertegenwoordiger"


class Verdict(LabelledEnum):
    RELEVANT = "relevant"
    NOT_RELEVANT = "niet_relevant"
    CONTACT = "contact_opnemen"


class LessonUseSource(LabelledEnum):
    PRIOR_WORK_CHECK = "voortoets"
    CLOSURE = "afsluiting"
    MANUAL = "handmatig"


LABELS: dict[enum.Enum, str] = {
    ProjectStatus.CONCEPT: "Concept",
    ProjectStatus.STARTED: "Gestart",
    ProjectStatus.CLOSED: "Afgesloten",
    ProjectStatus.STOPPED: "Gestopt",
    InnovationStage.EXPLORATION: "Verkenning",
    InnovationStage.PILOT: "Pilot",
    InnovationStage.SCALE_UP: "Opschaling",
    InnovationStage.IMPLEMENTATION: "Implementatie",
    LessonKind.SUCCESS: "Succes",
    LessonKind.FAILURE: "Mislukking",
    LessonKind.IMPROVEMENT: "Verbeterpunt",
    LessonKind.INSIGHT: "Inzicht",
    ReviewState.UNREVIEWED: "Ongetoetst",
    ReviewState.REVIEWED: "Getoetst",
    ReviewState.ARCHIVED: "Gearchiveerd",
    NetworkKind.INTERNAL: "Intern",
    NetworkKind.REGIONAL: "Regionaal",
    NetworkKind.NATIONAL: "Landelijk",
    NetworkKind.EUROPEAN: "Europees",
    NetworkKind.KNOWLEDGE_INSTITUTE: "Kennisinstelling",
    NetworkKind.OTHER: "Overig",
    MembershipRole.MEMBER: "Lid",
    MembershipRole.LEAD: "Trekker",
    MembershipRole.REPRESENTATIVE: "Vertegenwoordiger",
    Verdict.RELEVANT: "Relevant",
    Verdict.NOT_RELEVANT: "Niet relevant",
    Verdict.CONTACT: "Contact opnemen",
    LessonUseSource.PRIOR_WORK_CHECK: "Voortoets",
    LessonUseSource.CLOSURE: "Afsluiting",
    LessonUseSource.MANUAL: "Handmatig",
}
