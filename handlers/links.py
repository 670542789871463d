"""Where each page of the web view lives, so that chat messages can link to it.

The web view (`bot/web`) serves these paths; the product only names them. A
link exists when the operator set the address people reach the bot at
(`OKRBOT_PUBLIC_URL`); without it messages carry none.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.i18n import Translator
from handlers.views import Block, Link

TREE_PATH = "/tree"
TEAM_PATH = "/teams/{id}"
PERSON_PATH = "/people/{id}"
OBJECTIVE_PATH = "/objectives/{id}"
KR_PATH = "/krs/{id}"


@dataclass(frozen=True, slots=True)
class PageLinks:
    """Full addresses of pages, or None for each when there is no public URL."""

    base: str | None = None

    def _url(self, path: str) -> str | None:
        return None if self.base is None else self.base.rstrip("/") + path

    def tree(self) -> str | None:
        return self._url(TREE_PATH)

    def team(self, team_id: int | None) -> str | None:
        return None if team_id is None else self._url(TEAM_PATH.format(id=team_id))

    def person(self, member_id: int | None) -> str | None:
        return None if member_id is None else self._url(PERSON_PATH.format(id=member_id))

    def objective(self, objective_id: int | None) -> str | None:
        return None if objective_id is None else self._url(OBJECTIVE_PATH.format(id=objective_id))

    def kr(self, kr_id: int | None) -> str | None:
        return None if kr_id is None else self._url(KR_PATH.format(id=kr_id))


NO_LINKS = PageLinks()


def page_link(tr: Translator, url: str | None) -> list[Block]:
    """The block that opens a page of the web view; nothing when there is no address."""
    return [] if url is None else [Link(tr.t("Open in the web view"), url)]
