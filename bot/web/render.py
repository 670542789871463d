"""Neutral views as HTML: how a posted digest reads on a team's page.

The web's renderer beside Block Kit and Feishu cards: every text is escaped,
mentions show as the person's name, charts become inline SVG and buttons are
left out (they act in the chat the message was posted in).
"""

from __future__ import annotations

import itertools

from markupsafe import Markup, escape

from bot.web.svg import chart_svg
from handlers import views as v

_ids = itertools.count(1)


def message_html(message: v.Message, *, percent: str = "{:.0%}") -> Markup:
    out: list[str] = []
    for block in message.blocks:
        match block:
            case v.Header(text=text):
                out.append(f"<h3>{escape(v.plain(text))}</h3>")
            case v.Text(text=text):
                out.append(f"<p>{escape(v.plain(text))}</p>")
            case v.Context(text=text):
                out.append(f'<p class="small">{escape(v.plain(text))}</p>')
            case v.Fields(items=items):
                cells = "".join(
                    f"<dt>{escape(v.plain(label))}</dt><dd>{escape(v.plain(value))}</dd>"
                    for label, value in items
                )
                out.append(f'<dl class="fields">{cells}</dl>')
            case v.Progress(label=label, fraction=fraction, caption=caption):
                shown = "–" if fraction is None else percent.format(fraction)
                value = 0.0 if fraction is None else max(0.0, min(1.0, fraction))
                out.append(
                    f'<div class="bar"><span>{escape(v.plain(label))}</span> '
                    f'<meter min="0" max="1" value="{value:.3f}">{escape(shown)}</meter> '
                    f"<span>{escape(shown)}</span>"
                    + (f' <span class="small">{escape(v.plain(caption))}</span>' if caption else "")
                    + "</div>"
                )
            case v.Divider():
                out.append("<hr>")
            case v.Chart():
                out.append(str(chart_svg(block, chart_id=f"digest-chart-{next(_ids)}")))
            case v.Link(label=label, url=url):
                if url.startswith(("https://", "http://")):
                    out.append(f'<p><a href="{escape(url)}">{escape(label)}</a></p>')
            case v.Image(alt=alt):
                out.append(f'<p class="small">{escape(alt)}</p>')
            case _:
                pass  # buttons act in the chat
    return Markup("".join(out))
