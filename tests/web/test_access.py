"""Who sees what: nothing without signing in, only one's own workspace, and no forged forms.

Through the real server, the real settings and the real sign-in code, against
the fake Slack's OpenID Connect and the fake Feishu's OAuth endpoints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from bot.web.session import SESSION_COOKIE, Codec, new_session
from storage.repos import okrs, workspaces
from tests.conftest import WEDNESDAY
from tests.fakes import feishu_api, slack_api
from tests.web.site import OTHER_TEAM, WEB_SECRET, Site, start_site, stop_site


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    running = start_site(database_url, WEDNESDAY)
    try:
        yield running
    finally:
        stop_site(running)


def ids_of(site: Site, workspace_id: int) -> list[str]:
    """A path of every kind of page for this workspace's rows."""
    with site.runtime.sessions.begin() as session:
        team = workspaces.list_teams(session=session, workspace_id=workspace_id)[0]
        member = workspaces.find_member(session=session, workspace_id=workspace_id, name="chen")
        objective = okrs.list_objectives(session=session, workspace_id=workspace_id)[0]
        kr = okrs.list_key_results(session=session, workspace_id=workspace_id)[0]
        assert member is not None
        return [
            f"/teams/{team.id}",
            f"/people/{member.id}",
            f"/objectives/{objective.id}",
            f"/krs/{kr.id}",
            f"/tree/{objective.id}/branch",
            f"/tree?team={team.id}",
            f"/tree?person={member.id}",
        ]


def test_without_a_session_every_page_asks_to_sign_in(site: Site) -> None:
    browser = site.browser()
    for path in ["/tree", *ids_of(site, site.on_slack.workspace_id)]:
        answer = browser.get(path, follow=False)
        if "/branch" in path:
            assert answer.status == 401, path
            continue
        assert answer.status == 303, path
        assert answer.header("location").startswith("/signin?next="), path
    page = browser.get("/tree")
    assert page.url.startswith(site.base + "/signin")
    assert "Sign in with Slack" in page.body and "Sign in with Feishu / Lark" in page.body
    assert "Grow revenue" not in page.body


def test_slack_sign_in_opens_the_company_tree_with_a_safe_session_cookie(site: Site) -> None:
    browser = site.signed_in("slack", "alice")
    tree = browser.get("/tree")
    assert tree.status == 200
    assert "O1 Grow revenue 50% with better quality and sustainability" in tree.body
    assert "Alice Smith" in tree.body
    cookie = browser.cookie(SESSION_COOKIE)
    assert cookie is not None and cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.expires is not None  # it expires; it is not a browser-lifetime cookie
    start = site.browser().get("/signin/slack", follow=False)
    assert "samesite=lax" in start.header("set-cookie").lower()
    authorize = site.slack.of("openid.connect.authorize")[-1].args
    assert authorize["client_id"] == slack_api.CLIENT_ID and authorize["scope"] == "openid profile"
    assert site.slack.of("openid.connect.token") and site.slack.of("openid.connect.userInfo")


def test_feishu_sign_in_shows_a_chinese_speaker_the_tree_in_chinese(site: Site) -> None:
    browser = site.signed_in("feishu", "chen")
    tree = browser.get("/tree")
    assert tree.status == 200
    assert 'lang="zh-CN"' in tree.body and "对齐树" in tree.body
    assert "Chen Jing" in tree.body
    token = [c for c in site.feishu.calls if c.path == "/open-apis/authen/v2/oauth/token"]
    assert token and token[-1].body["client_id"] == feishu_api.APP_ID


def test_a_person_of_another_workspace_gets_404_for_every_page_and_id(site: Site) -> None:
    outsider = site.signed_in("slack", "alice", team=OTHER_TEAM)
    assert "Grow revenue" in outsider.get("/tree").body  # their own company's tree
    for path in ids_of(site, site.on_slack.workspace_id) + ids_of(
        site, site.on_feishu.workspace_id
    ):
        answer = outsider.get(path)
        assert answer.status == 404, path
        assert "Chen Jing" not in answer.body, path
    for path in ids_of(site, site.other.workspace_id):
        assert outsider.get(path).status == 200, path


def test_a_workspace_the_bot_does_not_serve_sees_nothing(site: Site) -> None:
    site.slack.signing_in_as, site.slack.signing_in_team = "alice", "T0NOTOURS"
    answer = site.browser().get("/signin/slack")
    assert answer.status == 403
    assert "does not serve your workspace" in answer.body


def test_an_expired_or_tampered_cookie_means_signing_in_again(site: Site) -> None:
    browser = site.signed_in("slack", "alice")
    cookie = browser.cookie(SESSION_COOKIE)
    assert cookie is not None and cookie.value
    tampered = cookie.value[:-3] + ("AAA" if not cookie.value.endswith("AAA") else "BBB")
    browser.set_cookie(SESSION_COOKIE, tampered)
    assert browser.get("/tree", follow=False).status == 303

    with site.runtime.sessions.begin() as session:
        alice = workspaces.find_member(
            session=session, workspace_id=site.on_slack.workspace_id, name="alice"
        )
        assert alice is not None and alice.id is not None
        session_data = new_session(workspace_id=site.on_slack.workspace_id, member_id=alice.id)
    max_age = site.web.codec.max_age
    old = Codec(WEB_SECRET, max_age=max_age, clock=lambda: 1_000_000.0)
    browser.set_cookie(SESSION_COOKIE, old.dump(session_data))
    assert browser.get("/tree", follow=False).header("location").startswith("/signin")
    fresh = Codec(WEB_SECRET, max_age=max_age)
    browser.set_cookie(SESSION_COOKIE, fresh.dump(session_data))
    assert browser.get("/tree", follow=False).status == 200


def test_a_form_without_its_session_token_is_refused(site: Site) -> None:
    browser = site.signed_in("slack", "alice")
    page = browser.get("/tree").body
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    for form in ({"lang": "zh"}, {"lang": "zh", "csrf": "forged"}):
        refused = browser.post("/language", form)
        assert refused.status == 403
        assert "This form has expired" in refused.body
    assert "Alignment tree" in browser.get("/tree").body  # nothing changed
    assert browser.post("/signout", {"csrf": "forged"}).status == 403
    accepted = browser.post("/language", {"lang": "zh", "csrf": token.group(1), "next": "/tree"})
    assert accepted.status == 303
    assert "对齐树" in browser.get("/tree").body
    # Another site's address is never where a form sends you.
    away = browser.post("/language", {"lang": "en", "csrf": token.group(1), "next": "//evil.test/"})
    assert away.header("location") == "/tree"


def test_a_sign_in_that_comes_back_with_another_state_is_refused(site: Site) -> None:
    browser = site.browser()
    site.slack.signing_in_as = "alice"
    start = browser.get("/signin/slack", follow=False)
    authorize = start.header("location").replace("state=", "state=x")
    answer = browser.get(authorize)
    assert answer.status == 400
    assert browser.cookie(SESSION_COOKIE) is None


def test_pages_carry_security_headers_and_platform_routes_are_left_alone(site: Site) -> None:
    browser = site.signed_in("slack", "alice")
    for path in ("/tree", "/signin", "/static/app.css", "/teams/999999"):
        answer = browser.get(path)
        csp = answer.header("content-security-policy")
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp
        assert answer.header("x-frame-options") == "DENY", path
    assert "no-store" in browser.get("/tree").header("cache-control")
    health = browser.get("/healthz")
    assert health.status == 200 and health.header("content-security-policy") == ""


def test_signing_out_ends_the_session(site: Site) -> None:
    browser = site.signed_in("slack", "alice")
    token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/tree").body)
    assert token is not None
    assert browser.post("/signout", {"csrf": token.group(1)}).status == 303
    assert browser.get("/tree", follow=False).status == 303


def test_a_team_page_shows_the_digests_it_was_sent(site: Site) -> None:
    report = site.runtime.app.trigger(
        moment="digest", team="Sales", platform="slack", workspace=slack_api.TEAM
    )
    assert report.written == 1
    with site.runtime.sessions.begin() as session:
        session.execute(text("UPDATE outbox SET state = 'sent', sent_at = created_at"))
        team = workspaces.find_team(
            session=session, workspace_id=site.on_slack.workspace_id, name="Sales"
        )
        assert team is not None
    page = site.signed_in("slack", "alice").get(f"/teams/{team.id}")
    assert page.status == 200
    digest = page.body.split('id="digests"')[1]
    assert "周五庆功会 · Sales" in digest  # as it was posted, in the team's language
    assert "<svg" in digest  # its chart of the week, drawn on the server
    assert "No digest has been posted yet." not in digest
