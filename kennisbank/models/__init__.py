"""All models, imported here so that db.metadata knows every table."""
from .attachment import Attachment, AttachmentBlob
from .enums import (InnovationStage, LessonKind, LessonUseSource, MembershipRole, NetworkKind, ProjectStatus,
                    ReviewState, Verdict)
from .follow import Follow, Notification
from .handover import Handover
from .importing import ImportColumnAlias, ImportRun, ImportRunPart
from .lesson import Lesson, LessonUse, lesson_themes
from .network import Membership, Network, network_themes
from .prior_work import PriorWorkCheck, PriorWorkSearch, PriorWorkSuggestion
from .project import Project, project_members, project_themes
from .revision import Revision
from .search import ApiToken, IndexReplica, SearchChange, SearchChangeHorizon, SearchLog
from .security import AuditEvent, LoginThrottle, UserSession, audit_prune_permits
from .theme import Theme, theme_owners
from .user import User
from .vocabulary import VocabularyEntry

__all__ = [
    "ApiToken", "Attachment", "AttachmentBlob", "AuditEvent", "audit_prune_permits", "Follow", "Handover", "ImportColumnAlias", "ImportRun", "ImportRunPart", "IndexReplica", "InnovationStage", "Lesson", "LessonKind", "LessonUse", "LessonUseSource",
    "LoginThrottle", "Membership", "MembershipRole", "Network", "Notification", "NetworkKind", "PriorWorkCheck", "PriorWorkSearch",
    "PriorWorkSuggestion", "Project", "ProjectStatus", "Revision", "ReviewState", "SearchChange",
    "SearchChangeHorizon", "SearchLog", "Theme", "User", "UserSession", "Verdict", "VocabularyEntry", "lesson_themes", "network_themes",
    "project_members", "project_themes", "theme_owners",
]
