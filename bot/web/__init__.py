"""The web view adapter: pages of the alignment tree, teams and people, behind sign-in.

`build_web(settings, runtime)` makes it from the settings (None when it is
not configured); `okrbot run` mounts it under the platform routes on its one
server, and `okrbot web --trial` serves it alone over the trial's database.
"""

from __future__ import annotations

from bot.settings import Settings, SettingsError
from bot.web.app import TrialAccess, WebView
from bot.web.session import Codec
from bot.web.signin import FeishuSignIn, Provider, SlackSignIn
from bot.wiring import Runtime

__all__ = ["TrialAccess", "WebView", "build_web", "providers"]


def providers(settings: Settings) -> list[Provider]:
    """The sign-ins the settings allow: Slack's OpenID Connect, Feishu/Lark's OAuth."""
    found: list[Provider] = []
    if settings.slack_client_id and settings.slack_client_secret:
        found.append(
            SlackSignIn(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                api_url=settings.slack_api_url,
            )
        )
    if settings.feishu_app_id and settings.feishu_app_secret:
        found.append(
            FeishuSignIn(
                app_id=settings.feishu_app_id,
                app_secret=settings.feishu_app_secret.get_secret_value(),
                domain=settings.feishu_domain,
            )
        )
    return found


def build_web(
    settings: Settings,
    runtime: Runtime,
    *,
    secret: str | None = None,
    trial: TrialAccess | None = None,
) -> WebView | None:
    """The web view over the runtime's database, or None when it is not set up.

    It is on once sessions can be signed (OKRBOT_WEB_SECRET, or `secret` for the
    trial); a public URL without a secret is a setting to fix, not a silent no.
    """
    key = secret or (settings.web_secret.get_secret_value() if settings.web_secret else None)
    if key is None:
        if settings.public_url is not None:
            raise SettingsError(
                "OKRBOT_PUBLIC_URL is set, so messages link to the web view, but "
                "OKRBOT_WEB_SECRET is not: set it to a long random string to sign sessions "
                "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return None
    return WebView(
        sessions=runtime.sessions,
        clock=runtime.clock,
        codec=Codec(key, max_age=settings.web_session.total_seconds()),
        providers=[] if trial is not None else providers(settings),
        public_url=settings.public_url if trial is None else None,
        default_locale=settings.default_locale,
        trial=trial,
    )
