"""Feishu / Lark: the connection `okrbot run` starts when FEISHU_APP_ID is set.

Nothing here is imported until `connect` is called: lark-oapi builds an
asyncio loop when it is first imported, which must not be the server's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.feishu.connection import FeishuConnection
    from bot.settings import Settings
    from bot.wiring import Runtime


def connect(settings: Settings, runtime: Runtime) -> FeishuConnection:
    """The Feishu connection for the running bot (long connection or webhook, per settings)."""
    from bot.feishu.connection import FeishuConnection

    return FeishuConnection.from_settings(settings, runtime)
