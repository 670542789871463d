"""Many workspaces install okrbot from one deployment, through Slack's OAuth v2 flow.

A real Bolt app built with OAuthSettings serves /slack/install,
/slack/oauth_redirect and /slack/events over real HTTP; the fake Slack plays
the authorize page and oauth.v2.access, handing each workspace its own bot
token; slack_sdk's SQLAlchemy stores keep them in okrbot's migrated database.
"""

from __future__ import annotations

import html
import http.client
import re
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select as sa_select

from bot.outbox import OutboxSender, SendReport
from bot.server import HttpServer
from bot.settings import load_settings
from bot.slack.app import SlackConnection
from handlers.app import OkrApp
from handlers.clock import ManualClock
from handlers.deliveries import enqueue
from handlers.views import Delivery, Message, Text, ToChannel, ToUser
from storage.db import SessionFactory
from storage.models import Objective, OutboxMessage, Workspace
from storage.models.installs import slack_bots, slack_installations
from storage.repos import workspaces
from tests.conftest import WEDNESDAY
from tests.fakes.slack_api import (
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    TEAM,
    FakeSlack,
    FakeUser,
    SlackDriver,
    http_post,
)
from tests.slack.conftest import ALICE, Bot, route_post, rows

TEAM_A, TEAM_B, NOWHERE = "T0ACME0001", "T0BETA0001", "T0NOWHERE1"
# The same user id in two workspaces: people are told apart by their workspace.
ANN, BEN = "U0ANN00001", "U0BEN00001"


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]


def get(url: str, headers: dict[str, str] | None = None) -> Answer:
    """One GET as a browser sends it, without following redirects."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=15)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, response.read().decode(), found)
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Deployment:
    """One okrbot serving every workspace that installs it, over HTTP."""

    connection: SlackConnection
    okr: OkrApp
    sessions: SessionFactory
    clock: ManualClock
    fake: FakeSlack
    server: HttpServer
    base: str

    def install(self, team: str, name: str, installer: str) -> Answer:
        """An admin of `team` opens the install page, approves, and comes back."""
        self.fake.installer = installer
        self.fake.installing_team, self.fake.installing_team_name = team, name
        page = get(f"{self.base}/slack/install")
        assert page.status == 200, page
        cookie = page.headers["set-cookie"].split(";")[0]
        found = re.search(r'<a href="([^"]+)"', page.body)
        assert found is not None, page.body
        link = html.unescape(found.group(1))
        assert link.startswith(self.fake.base_url + "oauth/v2/authorize?"), link
        authorize = get(link)
        assert authorize.status == 302, authorize
        return get(authorize.headers["location"], headers={"cookie": cookie})

    def driver(self, team: str) -> SlackDriver:
        return SlackDriver(http_post(f"{self.base}/slack/events"), self.fake, team=team)

    def token_of(self, team: str) -> str:
        """The newest token the fake handed to `team`."""
        return [t for t, found in self.fake.token_teams.items() if found == team][-1]

    def drain_outbox(self) -> SendReport:
        return OutboxSender(
            sessions=self.sessions, senders=[self.connection.sender()], clock=self.clock
        ).drain()

    def tell(self, team: str, user: str, text: str) -> None:
        """Something for `user` in `team`, written to the outbox as a moment would."""
        self.queue(team, [(ToUser(user), text)])

    def queue(self, team: str, messages: list[tuple[ToUser | ToChannel, str]]) -> None:
        """Messages for `team`'s people or channels, written to the outbox in one go."""
        with self.sessions.begin() as session:
            workspace = workspaces.find_workspace(
                session=session, platform="slack", external_id=team
            )
            assert workspace is not None and workspace.id is not None
            enqueue(
                session,
                workspace_id=workspace.id,
                platform="slack",
                workspace=team,
                deliveries=[
                    Delivery(
                        to=to,
                        message=Message(summary=text, blocks=(Text(text),)),
                        key=f"note:{team}:{text}",
                    )
                    for to, text in messages
                ],
                now=self.clock.now(),
            )


@pytest.fixture
def deployment(sessions: SessionFactory) -> Iterator[Deployment]:
    fake = FakeSlack(
        users={ANN: FakeUser("Ann", locale="en-US"), BEN: FakeUser("Ben", locale="en-US")},
        token_teams={},  # no token until a workspace installs the app
    ).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = load_settings(
        slack_bot_token=None,
        slack_app_token=None,
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_api_url=fake.api_url,
        public_url=base,
        default_timezone="Asia/Shanghai",
    )
    clock = ManualClock(WEDNESDAY)
    okr = OkrApp(sessions=sessions, clock=clock, default_timezone="Asia/Shanghai")
    connection = SlackConnection(settings, okr, engine=sessions.engine)
    assert connection.distributed
    connection.check()
    server = HttpServer(host="127.0.0.1", port=port, routes=connection.routes())
    server.start()
    yield Deployment(connection, okr, sessions, clock, fake, server, base)
    server.stop()
    connection.stop()
    connection.background.shutdown(wait=True)
    fake.stop()


def dm(text: str, user: str) -> dict[str, object]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D" + user[1:],
        "user": user,
        "text": text,
        "ts": "1700000002.000100",
    }


def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    deployment: Deployment,
) -> None:
    fake = deployment.fake
    done = deployment.install(TEAM_A, "Acme", ANN)
    assert done.status == 200, done
    assert deployment.install(TEAM_B, "Beta", BEN).status == 200
    token_a, token_b = deployment.token_of(TEAM_A), deployment.token_of(TEAM_B)
    assert token_a != token_b

    # The installations are in okrbot's own tables, one per workspace.
    with deployment.sessions.begin() as session:
        stored = {r.team_id: r.bot_token for r in session.execute(sa_select(slack_bots))}
        assert session.execute(sa_select(slack_installations)).all()
    assert stored == {TEAM_A: token_a, TEAM_B: token_b}
    names = {w.external_id: w.name for w in rows(deployment.sessions, Workspace)}
    assert names == {TEAM_A: "Acme", TEAM_B: "Beta"}

    # Each installer is welcomed in their DM with their own workspace's token.
    welcome_a = fake.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args["channel"] == ANN
    )
    welcome_b = fake.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args["channel"] == BEN
    )
    assert (welcome_a.token, welcome_b.token) == (token_a, token_b)
    assert "Thanks for installing okrbot" in welcome_a.args["text"]

    # The same user id talks in both workspaces: each is answered with its own token.
    before = len(fake.calls)
    for team in (TEAM_A, TEAM_B):
        sent = deployment.driver(team).event(dm("help", ANN), event_id=f"Ev{team}")
        assert sent.status == 200
    answers = [
        fake.wait_until(
            lambda c, t=t: (
                c.method == "chat.postMessage"
                and c.args["channel"] == "D" + ANN[1:]
                and c.token == t
            )
        )
        for t in (token_a, token_b)
    ]
    assert len(answers) == 2
    lookups = [c for c in fake.calls[before:] if c.method == "users.info"]
    assert {c.token for c in lookups} <= {token_a, token_b}

    # The outbox sends each workspace's messages with that workspace's token.
    deployment.tell(TEAM_A, ANN, "for Acme")
    deployment.tell(TEAM_B, BEN, "for Beta")
    report = deployment.drain_outbox()
    assert report.sent == 2, report
    sent = {
        c.args["text"]: c.token
        for c in fake.calls
        if c.method == "chat.postMessage" and c.args.get("text") in ("for Acme", "for Beta")
    }
    assert sent == {"for Acme": token_a, "for Beta": token_b}


def test_one_workspaces_backlog_of_dms_does_not_hold_up_anothers_channel_post(
    deployment: Deployment,
) -> None:
    fake = deployment.fake
    assert deployment.install(TEAM_A, "Acme", ANN).status == 200
    assert deployment.install(TEAM_B, "Beta", BEN).status == 200
    deployment.drain_outbox()  # the installers' welcomes
    token_a, token_b = deployment.token_of(TEAM_A), deployment.token_of(TEAM_B)
    # Acme's Monday: a DM to each of its people, queued before anything of Beta's.
    backlog = 2000
    deployment.queue(TEAM_A, [(ToUser(f"U0ACME{n:04d}"), f"check-in {n}") for n in range(backlog)])
    deployment.queue(TEAM_B, [(ToChannel("C0BETA0001"), "Beta's weekly digest")])

    before = len(fake.calls)
    sender = OutboxSender(
        sessions=deployment.sessions,
        senders=[deployment.connection.sender()],
        clock=deployment.clock,
    )
    for _ in range(3):  # a few claims, far fewer than Acme's backlog needs
        report = sender.run_once()
        assert report.sent == report.claimed, report
    posts = [c for c in fake.calls[before:] if c.method == "chat.postMessage"]
    texts = [c.args.get("text") for c in posts]
    assert "Beta's weekly digest" in texts, f"not sent within {len(posts)} sends"
    place = texts.index("Beta's weekly digest")
    # Sent in the first claim, next to Acme's first DM, not after Acme's 2,000.
    assert place < sender.batch, place
    assert posts[place].token == token_b
    # Acme keeps sending meanwhile, in the order its DMs were written, with its own token.
    acme = [t for t in texts if t and t.startswith("check-in")]
    assert acme == [f"check-in {n}" for n in range(len(acme))]
    assert len(acme) >= 2 * sender.batch
    assert {c.token for c in posts if c.args.get("text", "").startswith("check-in")} == {token_a}


def test_a_cancelled_install_stores_nothing(deployment: Deployment) -> None:
    deployment.fake.installer = None
    page = get(f"{deployment.base}/slack/install")
    cookie = page.headers["set-cookie"].split(";")[0]
    found = re.search(r'<a href="([^"]+)"', page.body)
    assert found is not None
    authorize = get(html.unescape(found.group(1)))
    answer = get(authorize.headers["location"], headers={"cookie": cookie})
    # Bolt's failure page, for the person who cancelled (200, as Slack's own flow does).
    assert answer.status == 200 and "access_denied" in answer.body, answer
    with deployment.sessions.begin() as session:
        assert not session.execute(sa_select(slack_bots)).all()
    assert rows(deployment.sessions, Workspace) == []


def test_a_workspace_that_never_installed_is_refused_and_nothing_is_stored(
    deployment: Deployment,
) -> None:
    assert deployment.install(TEAM_A, "Acme", ANN).status == 200
    stranger = deployment.driver(NOWHERE)
    assert stranger.command(ANN, "new Grow | Users: 0 -> 100").status == 200
    # The person who typed /okr reads why, through the command's response_url.
    refusal = deployment.fake.wait_until(lambda c: c.method == "response_url")
    assert "not installed in this workspace" in refusal.args["text"]
    assert stranger.event(dm("new Grow | Users: 0 -> 100", ANN)).status == 200
    # A positive sign the deployment kept working: the installed workspace is answered.
    deployment.driver(TEAM_A).event(dm("help", BEN))
    deployment.fake.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args["channel"] == "D" + BEN[1:]
    )
    teams = {w.external_id for w in rows(deployment.sessions, Workspace)}
    assert teams == {TEAM_A}
    assert not any(c.method == "chat.postMessage" and c.token == "" for c in deployment.fake.calls)


def eventually(test: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait, bounded, for work done after Slack's request was answered."""
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.02)


def test_uninstall_forgets_the_token_and_parks_the_outbox_until_a_reinstall(
    deployment: Deployment,
) -> None:
    fake = deployment.fake
    assert deployment.install(TEAM_A, "Acme", ANN).status == 200
    assert deployment.install(TEAM_B, "Beta", BEN).status == 200
    first_a = deployment.token_of(TEAM_A)
    for user in (ANN, BEN):  # welcomed: the installs' work is done
        fake.wait_until(lambda c, u=user: c.method == "chat.postMessage" and c.args["channel"] == u)
    deployment.tell(TEAM_A, ANN, "before")
    assert deployment.driver(TEAM_A).event({"type": "app_uninstalled"}).status == 200

    def bots() -> set[str]:
        with deployment.sessions.begin() as session:
            return {r.team_id for r in session.execute(sa_select(slack_bots))}

    eventually(lambda: bots() == {TEAM_B})
    states = {r.key: r.state for r in rows(deployment.sessions, OutboxMessage)}
    assert states[f"note:{TEAM_A}:before"] == "parked"

    # Sending stops for the workspace that left, and goes on for the other.
    deployment.tell(TEAM_A, ANN, "while away")
    deployment.tell(TEAM_B, BEN, "still here")
    assert deployment.drain_outbox().sent == 1
    posted = [c.args.get("text") for c in fake.calls if c.method == "chat.postMessage"]
    assert "still here" in posted and "before" not in posted and "while away" not in posted

    # A re-install resumes the parked messages, in order, with the new token.
    assert deployment.install(TEAM_A, "Acme", ANN).status == 200
    second_a = deployment.token_of(TEAM_A)
    assert second_a != first_a
    assert deployment.drain_outbox().sent == 2
    resumed = [
        c
        for c in fake.calls
        if c.method == "chat.postMessage" and c.args.get("text") in ("before", "while away")
    ]
    assert [(c.args["text"], c.token) for c in resumed] == [
        ("before", second_a),
        ("while away", second_a),
    ]
    assert len(rows(deployment.sessions, Workspace)) == 2


# --- one bot token: only its own workspace ------------------------------------------


def test_one_bot_token_serves_its_own_workspace_and_refuses_any_other(bot: Bot) -> None:
    bot.connection.check()  # auth.test: the token is TEAM's
    stranger = SlackDriver(route_post(bot.connection), bot.fake, team=NOWHERE)
    refused = stranger.command(ALICE, "new Grow | Users: 0 -> 100")
    assert refused.status == 200
    assert "not installed in this workspace" in refused.body.decode()
    stranger.event(dm("new Grow | Users: 0 -> 100", ALICE), event_id="EvStranger")
    # The token's own workspace is answered as before.
    assert bot.slack.event(dm("help", ALICE), event_id="EvOwn").status == 200
    bot.fake.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args["channel"] == "D" + ALICE[1:]
    )
    assert {w.external_id for w in rows(bot.sessions, Workspace)} == {TEAM}
    assert rows(bot.sessions, Objective) == []


def test_an_expired_rotating_token_is_refreshed_for_sending_and_for_requests(
    deployment: Deployment,
) -> None:
    fake = deployment.fake
    fake.token_lifetime = 3600  # an hour: less than the two hours okrbot refreshes ahead
    assert deployment.install(TEAM_A, "Acme", ANN).status == 200
    installed = deployment.token_of(TEAM_A)
    fake.wait_until(lambda c: c.method == "chat.postMessage" and c.args["channel"] == ANN)
    fake.refused_tokens.add(installed)  # it expired

    # The outbox refreshes the token itself before sending, with no request in between.
    deployment.tell(TEAM_A, BEN, "after the refresh")
    assert deployment.drain_outbox().sent == 1
    sent = fake.wait_until(lambda c: c.args.get("text") == "after the refresh")
    assert sent.token != installed and fake.token_teams[sent.token] == TEAM_A
    assert [c.args.get("grant_type") for c in fake.of("oauth.v2.access")] == [
        None,
        "refresh_token",
    ]

    # A request is authorised with the stored token, refreshed again as it nears its expiry.
    assert deployment.driver(TEAM_A).event(dm("help", BEN), event_id="EvRotate").status == 200
    answer = fake.wait_until(
        lambda c: c.method == "chat.postMessage" and c.args["channel"] == "D" + BEN[1:]
    )
    assert answer.token not in fake.refused_tokens and fake.token_teams[answer.token] == TEAM_A
    with deployment.sessions.begin() as session:
        stored = [r.bot_token for r in session.execute(sa_select(slack_bots))]
    assert stored == [answer.token]


def test_a_callback_without_the_installers_browser_state_installs_nothing(
    deployment: Deployment,
) -> None:
    deployment.fake.installer = ANN
    deployment.fake.installing_team = TEAM_A
    page = get(f"{deployment.base}/slack/install")
    found = re.search(r'<a href="([^"]+)"', page.body)
    assert found is not None
    authorize = get(html.unescape(found.group(1)))
    # Someone else's browser (no state cookie) opens the redirect Slack sent back.
    answer = get(authorize.headers["location"])
    assert answer.status in (400, 401), answer
    with deployment.sessions.begin() as session:
        assert not session.execute(sa_select(slack_bots)).all()
    assert rows(deployment.sessions, Workspace) == []
    assert not deployment.fake.of("oauth.v2.access")


def test_an_org_wide_install_serves_every_team_of_the_org_with_the_orgs_token(
    deployment: Deployment,
) -> None:
    fake = deployment.fake
    org = "E0GRID0001"
    fake.installing_org = org
    assert deployment.install(TEAM_A, "Grid Org", ANN).status == 200
    token = deployment.token_of(org)
    with deployment.sessions.begin() as session:
        stored = [(r.enterprise_id, r.team_id) for r in session.execute(sa_select(slack_bots))]
    assert stored == [(org, None)]

    # Two teams of the org, the same user id in each: each is its own workspace.
    for team in (TEAM_A, TEAM_B):
        driver = SlackDriver(http_post(f"{deployment.base}/slack/events"), fake, team=team, org=org)
        assert driver.event(dm("help", BEN), event_id=f"Ev{team}").status == 200
    fake.wait_until(
        lambda c: (
            c.method == "chat.postMessage"
            and c.args["channel"] == "D" + BEN[1:]
            and len([x for x in fake.of("chat.postMessage") if x.args["channel"] == "D" + BEN[1:]])
            == 2
        )
    )
    teams = {w.external_id: w.enterprise_id for w in rows(deployment.sessions, Workspace)}
    assert teams == {TEAM_A: org, TEAM_B: org}

    # The outbox finds each team's token through its org.
    deployment.tell(TEAM_A, BEN, "for team A")
    deployment.tell(TEAM_B, BEN, "for team B")
    assert deployment.drain_outbox().sent == 2
    sent = {
        c.args["text"]: c.token
        for c in fake.of("chat.postMessage")
        if c.args.get("text") in ("for team A", "for team B")
    }
    assert sent == {"for team A": token, "for team B": token}

    # Uninstalled from the org: every team of it stops at once.
    driver = SlackDriver(http_post(f"{deployment.base}/slack/events"), fake, team=TEAM_A, org=org)
    assert driver.event({"type": "app_uninstalled"}, event_id="EvGone").status == 200

    def parked_teams() -> set[str]:
        return {
            w.external_id
            for w in rows(deployment.sessions, Workspace)
            if w.install_state == "uninstalled"
        }

    eventually(lambda: parked_teams() == {TEAM_A, TEAM_B})

    def org_bots() -> list[object]:
        with deployment.sessions.begin() as session:
            return list(session.execute(sa_select(slack_bots)).all())

    eventually(lambda: org_bots() == [])
