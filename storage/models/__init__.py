"""All tables. Importing this package registers every model on SQLModel.metadata."""

from storage.models.collab import HelpRequest, HelpStatus, Kudos
from storage.models.ends import (
    CommitteeMember,
    CommitteeScore,
    Draft,
    DraftIdea,
    DraftVote,
    FeedbackRequest,
    IdeaKind,
    ReviewAnswer,
)
from storage.models.installs import SLACK_TABLES, FeishuAppTicket
from storage.models.okr import (
    Cycle,
    CycleKind,
    KeyResult,
    KRKind,
    Objective,
    ObjectiveKind,
    OwnerKind,
    RefCounter,
    Score,
)
from storage.models.outbox import OutboxMessage, OutboxState, SchedulerState
from storage.models.rhythm import (
    Away,
    ChangeRequest,
    ChangeStatus,
    Checkin,
    PlanTask,
    TaskHelper,
    TaskStatus,
)
from storage.models.system import ProcessedEvent, WebhookNonce
from storage.models.transfer import Source, SourceKey
from storage.models.workspace import (
    InstallState,
    Member,
    Team,
    TeamMember,
    TeamRole,
    Workspace,
    team_name_key,
)

__all__ = [
    "SLACK_TABLES",
    "Away",
    "ChangeRequest",
    "ChangeStatus",
    "Checkin",
    "CommitteeMember",
    "CommitteeScore",
    "Cycle",
    "CycleKind",
    "Draft",
    "DraftIdea",
    "DraftVote",
    "FeedbackRequest",
    "FeishuAppTicket",
    "HelpRequest",
    "HelpStatus",
    "IdeaKind",
    "InstallState",
    "KRKind",
    "KeyResult",
    "Kudos",
    "Member",
    "Objective",
    "ObjectiveKind",
    "OutboxMessage",
    "OutboxState",
    "OwnerKind",
    "PlanTask",
    "ProcessedEvent",
    "RefCounter",
    "ReviewAnswer",
    "SchedulerState",
    "Score",
    "Source",
    "SourceKey",
    "TaskHelper",
    "TaskStatus",
    "Team",
    "TeamMember",
    "TeamRole",
    "WebhookNonce",
    "Workspace",
    "team_name_key",
]
