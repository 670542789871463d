"""A person's right to leave, and a workspace's: the calls operators (and retention) make.

Forgetting a person keeps a team's history readable, with the numbers and
under "former member"; forgetting a workspace removes all it had. Both log
what they did by row ids only, never by the names they removed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from handlers.i18n import N_, translator
from storage.models import Workspace
from storage.repos import installs, privacy

log = logging.getLogger(__name__)

# What forgetting counts, by the names privacy.forget_member gives them.
KINDS = {
    "check-in notes": N_("check-in notes"),
    "task titles": N_("task titles"),
    "help requests": N_("help requests"),
    "help answers": N_("answers to help requests"),
    "kudos": N_("kudos written"),
    "plan change requests": N_("plan change requests"),
    "score reasons": N_("score reasons"),
    "time away": N_("periods of time away"),
    "direct messages": N_("direct messages in the outbox"),
    "copies in messages": N_("messages that quoted them"),
    "mentions in others' texts": N_("mentions in others' texts"),
}


def forget_person(*, session: Session, workspace: Workspace, member_id: int) -> privacy.Forgotten:
    """Remove a member's personal data; they stay, in the workspace's language, as a former member."""
    assert workspace.id is not None
    tr = translator(workspace.default_locale)
    done = privacy.forget_member(
        session=session,
        workspace_id=workspace.id,
        member_id=member_id,
        former_name=tr.t("former member"),
        removed_text=tr.t("(removed)"),
    )
    log.info(
        "forgot member %s of workspace %s (%s %s): %s",
        member_id,
        workspace.id,
        workspace.platform,
        workspace.external_id,
        ", ".join(f"{count} {what}" for what, count in sorted(done.counts.items())) or "nothing",
    )
    return done


def forget_workspace(*, session: Session, workspace: Workspace) -> dict[str, int]:
    """Delete everything a workspace has (after its uninstall); rows deleted per table."""
    assert workspace.id is not None
    counts = privacy.delete_workspace(session=session, workspace_id=workspace.id)
    log.info(
        "forgot workspace %s (%s %s): %s rows",
        workspace.id,
        workspace.platform,
        workspace.external_id,
        sum(counts.values()),
    )
    return counts


def forget_expired(*, session: Session, now: datetime, retention: timedelta) -> list[Workspace]:
    """Forget every workspace uninstalled longer than `retention` ago; the ones forgotten.

    A workspace re-installed within the period is installed again, so it is
    never among them.
    """
    expired = installs.expired(session=session, before=now - retention)
    for workspace in expired:
        forget_workspace(session=session, workspace=workspace)
    return expired
