"""What a command line means, as typed values the use cases act on.

One frozen dataclass per verb or sub-action, so a use case dispatches with
`match` and never looks at text again. References stay unresolved (`Ref`,
`PersonRef`): the parser knows no database, and "O3" or "@alice" only get a row
once the caller looks them up in the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

RefKind = Literal["O", "KR", "T", "H"]
ObjectiveKind = Literal["committed", "aspirational"]
KRField = Literal["target", "start", "current", "unit", "weight", "title", "owner"]
AskAction = Literal["accept", "decline", "done", "cancel"]
Moment = Literal["plan", "checkin", "digest"]
Language = Literal["en", "zh"]
CycleKind = Literal["quarter", "bimonthly", "monthly", "annual", "annual-quarterly"]
ReviewQuestion = Literal["breakthroughs", "problems", "lessons"]


@dataclass(frozen=True, slots=True)
class Ref:
    """A short reference people type: O3 (objective), KR12, T40 (task), H5 (help request)."""

    kind: RefKind
    number: int

    def __str__(self) -> str:
        return f"{self.kind}{self.number}"


@dataclass(frozen=True, slots=True)
class PersonRef:
    """An @-mention exactly as written ("@alice", "@U024BE7LH", "@_user_1").

    Adapters list platform mentions under these tokens; anything else is a
    handle the caller looks up.
    """

    token: str


@dataclass(frozen=True, slots=True)
class KRSpec:
    """A key result as written in `new` or `kr add`.

    `target` None means no measure was given: the UI warns, because a KR
    without a number is usually a task in disguise. Milestones run 0 -> 1.
    """

    title: str
    start: float = 0.0
    target: float | None = None
    unit: str = ""
    milestone: bool = False
    weight: float = 1.0
    owner: PersonRef | None = None


# --- my, help -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MyOkrs:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    topic: str | None = None  # a canonical verb, or None for the overview
    unknown: str = ""  # a topic asked for that is no command, as typed


# --- objectives and key results -----------------------------------------------


@dataclass(frozen=True, slots=True)
class NewObjectiveForm:
    """`new` with nothing after it: the UI opens the objective form."""


@dataclass(frozen=True, slots=True)
class NewObjective:
    title: str
    kind: ObjectiveKind
    team: str | None
    krs: tuple[KRSpec, ...]


@dataclass(frozen=True, slots=True)
class AddKR:
    objective: Ref
    spec: KRSpec


@dataclass(frozen=True, slots=True)
class EditKR:
    """`value` is a float for target/start/current/weight, a PersonRef for owner,
    text for unit/title."""

    kr: Ref
    field: KRField
    value: float | str | PersonRef


@dataclass(frozen=True, slots=True)
class DeleteKR:
    kr: Ref


# --- check-ins ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckinAll:
    """`checkin` alone: the UI walks the person through each of their KRs."""


@dataclass(frozen=True, slots=True)
class CheckinOne:
    """`checkin KR12` with no value: the UI opens the check-in form for that KR."""

    kr: Ref


@dataclass(frozen=True, slots=True)
class Checkin:
    """`value` is added to the current value when `relative` ("+500", "-3", "by -3");
    "=-3" is the value itself.

    `done` is "done"/"完成" (value 1.0): a milestone is done, a numeric KR is at
    its target. `unclear_sign` is a bare leading minus ("-5000"): a change by
    the grammar, but on a KR that is never negative the use case asks which was meant.
    """

    kr: Ref
    value: float
    relative: bool = False
    confidence: int | None = None
    note: str = ""
    links: tuple[str, ...] = ()
    done: bool = False
    unclear_sign: bool = False


# --- weekly plan ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanList:
    person: PersonRef | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class PlanAdd:
    """`owner` None means the person who typed it."""

    title: str
    kr: Ref | None = None
    helpers: tuple[PersonRef, ...] = ()
    owner: PersonRef | None = None
    due: date | None = None


@dataclass(frozen=True, slots=True)
class PlanDone:
    tasks: tuple[Ref, ...]
    links: tuple[str, ...] = ()  # where the result can be seen


@dataclass(frozen=True, slots=True)
class PlanDrop:
    tasks: tuple[Ref, ...]


@dataclass(frozen=True, slots=True)
class PlanEdit:
    """Change an open task; None leaves a field as it is."""

    task: Ref
    title: str | None = None
    kr: Ref | None = None
    helpers: tuple[PersonRef, ...] | None = None
    due: date | None = None


@dataclass(frozen=True, slots=True)
class PlanCarry:
    """Move unfinished tasks to next week's plan."""

    tasks: tuple[Ref, ...]


# --- show ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShowPerson:
    person: PersonRef


@dataclass(frozen=True, slots=True)
class ShowTeam:
    name: str


@dataclass(frozen=True, slots=True)
class ShowRef:
    ref: Ref  # any kind: O, KR, T or H


# --- teams ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamRollup:
    name: str | None = None  # None: the person's own team(s)


@dataclass(frozen=True, slots=True)
class TeamDigest:
    name: str | None = None


@dataclass(frozen=True, slots=True)
class TeamNew:
    name: str
    channel: str | None = None  # as written, e.g. "#growth"


@dataclass(frozen=True, slots=True)
class TeamJoin:
    name: str


@dataclass(frozen=True, slots=True)
class TeamAdd:
    name: str
    people: tuple[PersonRef, ...]


# --- collaboration ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ask:
    person: PersonRef
    kr: Ref | None
    text: str


@dataclass(frozen=True, slots=True)
class AskList:
    pass


@dataclass(frozen=True, slots=True)
class AskUpdate:
    request: Ref  # an H reference
    action: AskAction
    text: str = ""  # thanks on "done", a reason on "decline"


@dataclass(frozen=True, slots=True)
class Kudos:
    person: PersonRef
    kr: Ref | None
    text: str


@dataclass(frozen=True, slots=True)
class Align:
    """`parent` is an O or a KR; None removes the alignment."""

    objective: Ref
    parent: Ref | None


# --- end-of-cycle scores -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreList:
    pass


@dataclass(frozen=True, slots=True)
class ScoreQueue:
    """A manager's review queue of the team's self scores."""


@dataclass(frozen=True, slots=True)
class ScoreShow:
    ref: Ref  # an O or a KR


@dataclass(frozen=True, slots=True)
class Score:
    """`value` is on 0..1 whatever scale it was typed on."""

    kr: Ref
    value: float
    reason: str = ""


# --- drafting together (共创) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DraftStatus:
    """`draft` alone: where the team's draft stands."""


@dataclass(frozen=True, slots=True)
class DraftStart:
    """Start drafting the next cycle's OKRs; `parent` is what the chosen objectives align to."""

    team: str | None = None
    anonymous: bool = False
    parent: Ref | None = None


@dataclass(frozen=True, slots=True)
class DraftPropose:
    """An objective idea with key results as `new` writes them; no title opens the form."""

    title: str = ""
    krs: tuple[KRSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class DraftAddKR:
    """A key result idea for objective idea #`idea`."""

    idea: int
    spec: KRSpec


@dataclass(frozen=True, slots=True)
class DraftVote:
    """The ideas of the open vote one picks, as labelled ("2" an objective, "2.1" its first
    key result); a second vote replaces the first."""

    ideas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DraftNext:
    """The manager closes the open round now."""


@dataclass(frozen=True, slots=True)
class DraftFinish:
    """The manager finalises; `keep` names the objective ideas to keep (default: the winners)."""

    keep: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class DraftCancel:
    pass


# --- the review meeting (述职) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewPack:
    person: PersonRef | None = None  # None: one's own


@dataclass(frozen=True, slots=True)
class ReviewAgenda:
    team: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewAnswerForm:
    """`review answer`: the form with the three questions."""


@dataclass(frozen=True, slots=True)
class ReviewAnswer:
    question: ReviewQuestion
    text: str


# --- collaborators' feedback ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedbackShow:
    """The committee's view of the feedback on someone."""

    person: PersonRef


@dataclass(frozen=True, slots=True)
class FeedbackAsk:
    """Ask for feedback on someone; no people: those the bot finds they worked with."""

    person: PersonRef
    people: tuple[PersonRef, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedbackGive:
    """A collaborator's answer: 1..5 and a comment; no rating opens the form."""

    person: PersonRef
    rating: int | None = None
    text: str = ""  # the comment


@dataclass(frozen=True, slots=True)
class FeedbackList:
    """The feedback one has been asked for."""


# --- the scoring committee (评分委员会) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommitteeShow:
    """Someone's scores side by side for the committee; no person: the team's overview."""

    person: PersonRef | None = None


@dataclass(frozen=True, slots=True)
class CommitteePropose:
    """`value` is on 0..1, whatever scale it was typed on."""

    kr: Ref
    value: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CommitteeConfirm:
    """The manager makes the committee's score final; None: the proposals' mean."""

    kr: Ref
    value: float | None = None
    reason: str = ""


# --- settings ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SettingsShow:
    pass


@dataclass(frozen=True, slots=True)
class SetReminders:
    on: bool


@dataclass(frozen=True, slots=True)
class SetLanguage:
    code: Language


@dataclass(frozen=True, slots=True)
class SetTimezone:
    name: str  # as typed; the caller checks it is an IANA name


@dataclass(frozen=True, slots=True)
class SetTeamRhythm:
    team: str
    moment: Moment
    weekday: int  # ISO: 1 = Monday .. 7 = Sunday
    hhmm: str  # "09:30"


@dataclass(frozen=True, slots=True)
class SetTeamChannel:
    team: str
    channel: str


@dataclass(frozen=True, slots=True)
class SetTeamTimezone:
    team: str
    timezone: str


@dataclass(frozen=True, slots=True)
class SetTeamHolidays:
    team: str
    dates: tuple[date, ...]  # sorted, no duplicates


@dataclass(frozen=True, slots=True)
class SetTeamHolidayCountry:
    """A country's public holiday calendar for the team; None removes it."""

    team: str
    country: str | None


@dataclass(frozen=True, slots=True)
class SetTeamLanguage:
    team: str
    code: Language


@dataclass(frozen=True, slots=True)
class SetCycleKind:
    kind: CycleKind


@dataclass(frozen=True, slots=True)
class SetTeamCycle:
    team: str
    kind: CycleKind | None  # None: the workspace's


@dataclass(frozen=True, slots=True)
class SetTeamCommittee:
    """The team's committee besides its manager; no people clears it."""

    team: str
    people: tuple[PersonRef, ...]


@dataclass(frozen=True, slots=True)
class SetScoreScale:
    scale: int  # 1 (0–1) or 10 (the 10-point scale)


# --- away ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Away:
    start: date
    end: date  # inclusive
    note: str = ""


@dataclass(frozen=True, slots=True)
class AwayList:
    pass


@dataclass(frozen=True, slots=True)
class AwayCancel:
    pass


@dataclass(frozen=True, slots=True)
class Export:
    """A team's OKRs and history as a spreadsheet; `team` None: the team the person manages."""

    team: str | None = None


@dataclass(frozen=True, slots=True)
class ImportHelp:
    pass


Cmd: TypeAlias = (
    MyOkrs
    | Help
    | NewObjectiveForm
    | NewObjective
    | AddKR
    | EditKR
    | DeleteKR
    | CheckinAll
    | CheckinOne
    | Checkin
    | PlanList
    | PlanAdd
    | PlanDone
    | PlanDrop
    | PlanCarry
    | PlanEdit
    | ShowPerson
    | ShowTeam
    | ShowRef
    | TeamRollup
    | TeamDigest
    | TeamNew
    | TeamJoin
    | TeamAdd
    | Ask
    | AskList
    | AskUpdate
    | Kudos
    | Align
    | ScoreList
    | ScoreShow
    | ScoreQueue
    | Score
    | DraftStatus
    | DraftStart
    | DraftPropose
    | DraftAddKR
    | DraftVote
    | DraftNext
    | DraftFinish
    | DraftCancel
    | ReviewPack
    | ReviewAgenda
    | ReviewAnswerForm
    | ReviewAnswer
    | FeedbackShow
    | FeedbackAsk
    | FeedbackGive
    | FeedbackList
    | CommitteeShow
    | CommitteePropose
    | CommitteeConfirm
    | SettingsShow
    | SetLanguage
    | SetTimezone
    | SetTeamRhythm
    | SetTeamChannel
    | SetTeamTimezone
    | SetTeamHolidays
    | SetTeamHolidayCountry
    | SetReminders
    | SetTeamLanguage
    | SetCycleKind
    | SetTeamCycle
    | SetTeamCommittee
    | SetScoreScale
    | Away
    | AwayList
    | AwayCancel
    | Export
    | ImportHelp
)
