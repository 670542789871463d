"""The web view: pages of the alignment tree, teams, people, objectives and key results.

A third adapter beside Slack and Feishu. It reads the product's page data
(`handlers.pages`) for the signed-in person and draws it with Jinja2
templates (autoescaped), server-side, working without JavaScript; a little
script only loads deeper branches of the tree in place. Every page needs a
session (`bot.web.session`), every form a matching form token, and every
response carries a Content-Security-Policy that allows no inline script,
no framing and no foreign forms. An id of another workspace is a 404.

`routes()` is the web view's route table; `bot.server.RouterApp` mounts it
under the platform routes.
"""

from __future__ import annotations

import logging
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.settings import LOCALES
from bot.web.render import message_html
from bot.web.session import SESSION_COOKIE, SIGNIN_COOKIE, SIGNIN_SECONDS, Codec, Session
from bot.web.session import new_session as make_session
from bot.web.signin import Identity, Provider, SignInFailed
from bot.web.svg import chart_svg, colour
from handlers import links
from handlers.clock import Clock
from handlers.grammar import clean_typed
from handlers.i18n import Translator, negotiate, translator
from handlers.pages import okr, person, team, tree
from handlers.pages.viewer import NotFound, Viewer, viewer
from storage.db import SessionFactory
from storage.repos import workspaces

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MAX_FORM = 16 * 1024  # the largest form is a search box

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Adds the security headers to every response of the web view (pages, files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if scope.get("path", "").startswith("/static/"):
                    headers.append((b"cache-control", b"public, max-age=3600"))
                elif b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))  # pages hold people's OKRs
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


@dataclass
class TrialAccess:
    """`okrbot web --trial`: one-time sign-in links into the demo workspace."""

    workspace_id: int
    member_id: int  # who the link signs in as (Alice)
    tokens: set[str] = field(default_factory=set)

    def new_link_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return token

    def redeem(self, token: str) -> bool:
        for known in list(self.tokens):
            if secrets.compare_digest(known.encode(), token.encode()):
                self.tokens.discard(known)
                return True
        return False


@dataclass(frozen=True, slots=True)
class Context:
    """One signed-in request: its session and what the page functions need."""

    session: Session
    request: Request
    form: dict[str, str]


class WebView:
    """The pages, the sign-in and the session, over the app's database and clock."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        clock: Clock,
        codec: Codec,
        providers: Iterable[Provider] = (),
        public_url: str | None = None,
        default_locale: str = "en",
        trial: TrialAccess | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.codec = codec
        self.providers = {p.platform: p for p in providers}
        self.public_url = public_url
        self.default_locale = default_locale
        self.trial = trial
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(
            paths=PATHS, chart_svg=chart_svg, message_html=message_html, colour=colour
        )

    # --- the route table ---------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        page = self._page
        return [
            Route("/", self._home, methods=["GET", "HEAD"]),
            Route(links.TREE_PATH, page(self._tree), methods=["GET", "HEAD", "POST"]),
            Route("/tree/{objective_id:int}/branch", page(self._branch), methods=["GET"]),
            Route("/teams/{team_id:int}", page(self._team), methods=["GET", "HEAD"]),
            Route("/people/{member_id:int}", page(self._person), methods=["GET", "HEAD"]),
            Route("/objectives/{objective_id:int}", page(self._objective), methods=["GET", "HEAD"]),
            Route("/krs/{kr_id:int}", page(self._kr), methods=["GET", "HEAD"]),
            Route("/language", page(self._language), methods=["POST"]),
            Route("/trial/as", page(self._trial_as), methods=["POST"]),
            Route("/signout", self._signout, methods=["POST"]),
            Route("/signin", self._signin_page, methods=["GET", "HEAD"]),
            Route("/signin/trial/{token}", self._trial_signin, methods=["GET"]),
            Route("/signin/{platform}", self._signin_start, methods=["GET"]),
            Route("/signin/{platform}/callback", self._signin_callback, methods=["GET"]),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        ]

    def asgi(self) -> ASGIApp:
        """The web view as one ASGI app, to mount under the platform routes."""
        return SecurityHeaders(Router(routes=self.routes(), redirect_slashes=False))

    # --- sessions ------------------------------------------------------------------

    def _session(self, request: Request) -> Session | None:
        return self.codec.load(request.cookies.get(SESSION_COOKIE))

    def _secure(self, request: Request) -> bool:
        return self._base(request).startswith("https://")

    def _base(self, request: Request) -> str:
        return self.public_url or str(request.base_url).rstrip("/")

    def _with_session(self, response: Response, request: Request, session: Session) -> Response:
        response.set_cookie(
            SESSION_COOKIE,
            self.codec.dump(session),
            max_age=int(self.codec.max_age),
            httponly=True,
            samesite="lax",  # sent when a link in a chat app opens the page
            secure=self._secure(request),
            path="/",
        )
        return response

    def _page(
        self, handler: Callable[[Context, Viewer], Response]
    ) -> Callable[[Request], Awaitable[Response]]:
        """A page that needs a session: signed out, a GET goes to the sign-in page; a POST
        needs the session's form token; the page's reads run on a worker thread."""

        async def endpoint(request: Request) -> Response:
            session = self._session(request)
            if session is None:
                # A branch of the tree is fetched by the page's script: it cannot follow.
                if request.method in ("GET", "HEAD") and not request.url.path.endswith("/branch"):
                    target = "/signin?" + urllib.parse.urlencode({"next": _local(request)})
                    return RedirectResponse(target, status_code=303)
                return self._plain_error(request, 401)
            form: dict[str, str] = {}
            if request.method == "POST":
                body = await _read_limited(request)
                if body is None:
                    return self._plain_error(request, 413)
                form = _form(body)
                if not session.form_token_ok(form.get("csrf")):
                    return await run_in_threadpool(self._error, request, session, 403)
            ctx = Context(session, request, form)
            return await run_in_threadpool(self._serve, ctx, handler)

        return endpoint

    def _serve(self, ctx: Context, handler: Callable[[Context, Viewer], Response]) -> Response:
        with self.sessions.begin() as db:
            v = viewer(
                db,
                workspace_id=ctx.session.workspace_id,
                member_id=ctx.session.member_id,
                now=self.clock.now(),
                locale=ctx.session.locale,
            )
            if v is None:
                # The person left the workspace (or it is gone): sign in again.
                response: Response = RedirectResponse("/signin", status_code=303)
                response.delete_cookie(SESSION_COOKIE, path="/")
                return response
            try:
                return handler(ctx, v)
            except NotFound:
                return self._render(ctx, v, "error.html", status=404, code=404)

    # --- drawing -------------------------------------------------------------------

    def _render(
        self, ctx: Context, v: Viewer, name: str, *, status: int = 200, **data: Any
    ) -> HTMLResponse:
        html = self.templates.get_template(name).render(
            t=v.tr.t,
            tr=v.tr,
            lang=v.tr.locale,
            me=v.member,
            csrf=ctx.session.csrf,
            here=_local(ctx.request),
            trial_people=self._trial_people(ctx, v),
            locales=LOCALES,
            **data,
        )
        return HTMLResponse(html, status_code=status)

    def _trial_people(self, ctx: Context, v: Viewer) -> list[tuple[int, str]]:
        if not ctx.session.trial:
            return []
        return [
            (m.id or 0, m.display_name or m.handle)
            for m in workspaces.list_members(session=v.session, workspace_id=v.ws)
        ]

    def _error(self, request: Request, session: Session | None, code: int) -> Response:
        """An error page in the person's language, as far as it is known."""
        if session is None:
            return self._plain_error(request, code)
        with self.sessions.begin() as db:
            v = viewer(
                db,
                workspace_id=session.workspace_id,
                member_id=session.member_id,
                now=self.clock.now(),
                locale=session.locale,
            )
            if v is None:
                return self._plain_error(request, code)
            return self._render(
                Context(session, request, {}), v, "error.html", status=code, code=code
            )

    def _plain_error(self, request: Request, code: int) -> Response:
        tr = self._guest_translator(request)
        html = self.templates.get_template("signin.html").render(
            t=tr.t,
            tr=tr,
            lang=tr.locale,
            providers=sorted(self.providers),
            trial=self.trial is not None,
            error=code,
            next="/",
        )
        return HTMLResponse(html, status_code=code)

    def _guest_translator(self, request: Request) -> Translator:
        wanted = request.headers.get("accept-language", "").split(",")[0].strip()
        return translator(negotiate(wanted or None, self.default_locale))

    # --- pages ----------------------------------------------------------------------

    async def _home(self, request: Request) -> Response:
        return RedirectResponse(links.TREE_PATH, status_code=303)

    def _tree(self, ctx: Context, v: Viewer) -> Response:
        query = ctx.form.get("q", "") if ctx.request.method == "POST" else ""
        params = ctx.form if ctx.request.method == "POST" else ctx.request.query_params
        data = tree.load_tree(
            v,
            cycle_id=_int(params.get("cycle")),
            team_id=_int(params.get("team")),
            person_id=_int(params.get("person")),
            query=clean_typed(query),
            page=_int(params.get("page")) or 1,
        )
        return self._render(ctx, v, "tree.html", page=data)

    def _branch(self, ctx: Context, v: Viewer) -> Response:
        nodes = tree.load_branch(v, int(ctx.request.path_params["objective_id"]))
        return self._render(ctx, v, "branch.html", nodes=nodes)

    def _team(self, ctx: Context, v: Viewer) -> Response:
        data = team.load_team(v, int(ctx.request.path_params["team_id"]))
        return self._render(ctx, v, "team.html", page=data)

    def _person(self, ctx: Context, v: Viewer) -> Response:
        data = person.load_person(v, int(ctx.request.path_params["member_id"]))
        return self._render(ctx, v, "person.html", page=data)

    def _objective(self, ctx: Context, v: Viewer) -> Response:
        data = okr.load_objective(v, int(ctx.request.path_params["objective_id"]))
        return self._render(ctx, v, "objective.html", page=data)

    def _kr(self, ctx: Context, v: Viewer) -> Response:
        data = okr.load_kr(v, int(ctx.request.path_params["kr_id"]))
        return self._render(ctx, v, "kr.html", page=data)

    def _language(self, ctx: Context, v: Viewer) -> Response:
        wanted = ctx.form.get("lang")
        if wanted not in LOCALES:
            return self._render(ctx, v, "error.html", status=400, code=400)
        response = RedirectResponse(_next(ctx.form.get("next")), status_code=303)
        return self._with_session(response, ctx.request, ctx.session.with_locale(wanted))

    def _trial_as(self, ctx: Context, v: Viewer) -> Response:
        who = _int(ctx.form.get("member"))
        if not ctx.session.trial or who is None:
            return self._render(ctx, v, "error.html", status=403, code=403)
        if workspaces.get_member(session=v.session, workspace_id=v.ws, member_id=who) is None:
            return self._render(ctx, v, "error.html", status=404, code=404)
        response = RedirectResponse(_next(ctx.form.get("next")), status_code=303)
        # Each person's own language, as when they sign in themselves.
        switched = ctx.session.as_member(who).with_locale(None)
        return self._with_session(response, ctx.request, switched)

    # --- signing in and out -----------------------------------------------------------

    async def _signin_page(self, request: Request) -> Response:
        tr = self._guest_translator(request)
        html = self.templates.get_template("signin.html").render(
            t=tr.t,
            tr=tr,
            lang=tr.locale,
            providers=sorted(self.providers),
            trial=self.trial is not None,
            error=None,
            next=_next(request.query_params.get("next")),
        )
        return HTMLResponse(html)

    async def _signin_start(self, request: Request) -> Response:
        provider = self.providers.get(request.path_params["platform"])
        if provider is None:
            return self._plain_error(request, 404)
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        target = provider.authorize_url(
            state=state, nonce=nonce, redirect_uri=self._redirect_uri(request, provider)
        )
        response = RedirectResponse(target, status_code=302)
        cookie = self.codec.dump_signin(
            {
                "platform": provider.platform,
                "state": state,
                "nonce": nonce,
                "next": _next(request.query_params.get("next")),
            }
        )
        response.set_cookie(
            SIGNIN_COOKIE,
            cookie,
            max_age=SIGNIN_SECONDS,
            httponly=True,
            samesite="lax",  # comes back on the platform's redirect, a top-level GET
            secure=self._secure(request),
            path="/signin",
        )
        return response

    def _redirect_uri(self, request: Request, provider: Provider) -> str:
        return f"{self._base(request)}/signin/{provider.platform}/callback"

    async def _signin_callback(self, request: Request) -> Response:
        provider = self.providers.get(request.path_params["platform"])
        started = self.codec.load_signin(request.cookies.get(SIGNIN_COOKIE))
        state = request.query_params.get("state", "")
        code = request.query_params.get("code", "")
        if (
            provider is None
            or started is None
            or started.get("platform") != provider.platform
            or not secrets.compare_digest(started.get("state", "").encode(), state.encode())
            or not code
        ):
            return self._plain_error(request, 400)
        try:
            identity = await run_in_threadpool(
                provider.identify,
                code=code,
                nonce=started["nonce"],
                redirect_uri=self._redirect_uri(request, provider),
            )
        except SignInFailed as error:
            log.warning("a %s sign-in failed: %s", provider.platform, error)
            return self._plain_error(request, 502)
        session = await run_in_threadpool(self._member_session, identity)
        if session is None:
            return self._plain_error(request, 403)
        response = RedirectResponse(_next(started.get("next")), status_code=303)
        response.delete_cookie(SIGNIN_COOKIE, path="/signin")
        return self._with_session(response, request, session)

    def _member_session(self, identity: Identity) -> Session | None:
        """The session of the person who signed in, in the workspace the bot serves for
        them; None when the bot is not in their workspace."""
        with self.sessions.begin() as db:
            found = workspaces.find_workspace(
                session=db, platform=identity.platform, external_id=identity.workspace
            )
            if found is None or found.id is None:
                return None
            member = workspaces.upsert_member(
                session=db,
                workspace_id=found.id,
                external_id=identity.user,
                display_name=clean_typed(identity.name),
                locale=negotiate(identity.locale) if identity.locale else None,
            )
            db.flush()
            assert member.id is not None
            if not member.is_active:
                return None
            return make_session(workspace_id=found.id, member_id=member.id)

    async def _trial_signin(self, request: Request) -> Response:
        if self.trial is None or not self.trial.redeem(request.path_params["token"]):
            return self._plain_error(request, 404)
        session = make_session(
            workspace_id=self.trial.workspace_id, member_id=self.trial.member_id, trial=True
        )
        response = RedirectResponse(links.TREE_PATH, status_code=303)
        return self._with_session(response, request, session)

    async def _signout(self, request: Request) -> Response:
        session = self._session(request)
        body = await _read_limited(request)
        if session is not None and not session.form_token_ok(_form(body or b"").get("csrf")):
            return await run_in_threadpool(self._error, request, session, 403)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


PATHS = {
    "tree": links.TREE_PATH,
    "team": links.TEAM_PATH,
    "person": links.PERSON_PATH,
    "objective": links.OBJECTIVE_PATH,
    "kr": links.KR_PATH,
}


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 18:
        return None
    return int(value.strip())


def _local(request: Request) -> str:
    path = request.url.path
    return path + ("?" + request.url.query if request.url.query else "")


def _next(target: str | None) -> str:
    """A page of this site to go on to; anything else (another site, `//host`) is the tree."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return links.TREE_PATH
    if target.startswith(("/signin", "/signout", "/static")):
        return links.TREE_PATH
    return target


async def _read_limited(request: Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}
    return {name: value for name, value in pairs}
