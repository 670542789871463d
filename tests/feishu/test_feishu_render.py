"""Card JSON 2.0 for every view kind, pinned by golden files in tests/fixtures/feishu/.

Regenerate after an intended change with OKRBOT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.feishu import render
from handlers.views import (
    Actions,
    Button,
    ButtonStyle,
    Chart,
    Context,
    Divider,
    Fields,
    Form,
    FormErrors,
    Header,
    Home,
    Image,
    Input,
    InputKind,
    Link,
    Message,
    Option,
    Progress,
    Series,
    Text,
    mention,
)

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "feishu"

MESSAGE = Message(
    summary="市场部 · 周五庆功会 · 2026-W48",
    blocks=(
        Header("市场部 · 周五庆功会 · 2026-W48"),
        Text(
            f"本周 {mention('ou_alice_fake', '李爱丽')} 的 KR1 从 0 涨到 6,000 人 *太棒了* <b>!</b>"
        ),
        Fields((("周期", "2026-Q4"), ("签到", "3/4 人"), ("信心指数", "7/10"))),
        Progress("KR1 海外粉丝", 0.6, "6,000 / 10,000 人"),
        Progress("KR2 新闻订阅", None),
        Progress("KR3 品牌活动", 1.25, "超额完成"),
        Divider(),
        Context("周五 17:00 前签到"),
        Link("在网页中查看", "https://okr.example.com/teams/7"),
        Actions(
            (
                Button("签到", "checkin.open", "KR1", ButtonStyle.PRIMARY),
                Button("放弃 T3", "task.drop", "T3", ButtonStyle.DANGER),
                Button("团队", "team.rollup"),
            )
        ),
    ),
    in_channel=True,
)

HOME = Home(summary="我的 OKR", blocks=(Header("我的 OKR · 2026-Q4"), Text("还没有目标。")))

CHECKIN_FORM = Form(
    form_id="checkin",
    title="签到 · 2026-W48",
    submit_label="签到",
    inputs=(
        Input("value:KR1", "KR1 海外粉丝", InputKind.NUMBER, initial="6000", hint="当前 6,000 人"),
        Input(
            "confidence:KR1",
            "KR1 的信心指数（1–10）",
            InputKind.SELECT,
            initial="7",
            options=tuple(Option(str(n), str(n)) for n in range(1, 11)),
        ),
        Input(
            "note:KR1",
            "KR1 的备注",
            InputKind.MULTILINE,
            required=False,
            placeholder="进展、下一步",
        ),
    ),
    context="KR1",
)

NEW_OBJECTIVE_FORM = Form(
    form_id="objective.new",
    title="新建目标",
    submit_label="创建",
    inputs=(
        Input("title", "目标", placeholder="拓展海外粉丝"),
        Input(
            "kind",
            "类型",
            InputKind.SELECT,
            initial="committed",
            options=(Option("承诺型", "committed"), Option("挑战型", "aspirational")),
        ),
        Input("kr1", "关键结果 1", placeholder="海外粉丝: 0 -> 10000 人"),
        Input("kr2", "关键结果 2", required=False),
    ),
)

PLAN_FORM = Form(
    form_id="plan.add",
    title="本周计划 · 2026-W48",
    submit_label="加入计划",
    inputs=(
        Input("title", "关键任务"),
        Input(
            "kr",
            "关键结果",
            InputKind.SELECT,
            required=False,
            options=(Option("KR1 海外粉丝", "KR1"),),
        ),
        Input("helper", "协助人", InputKind.USER, required=False),
        Input(
            "helpers",
            "更多协助人",
            InputKind.USERS,
            required=False,
            initial="ou_bob_fake,ou_chen_fake",
        ),
        Input("due", "截止日期", InputKind.DATE, required=False, initial="2026-11-27"),
    ),
)

SCORE_FORM = Form(
    form_id="score",
    title="评分 · KR1",
    submit_label="提交评分",
    inputs=(
        Input("score", "分数（0–1）", InputKind.NUMBER, hint="0.7 是一个好的挑战型分数"),
        Input("reason", "理由", InputKind.MULTILINE, required=False),
    ),
    context="KR1",
)

CHART = Message(
    summary="KR1 趋势",
    blocks=(
        Chart("KR1 海外粉丝", (Series("实际", (("W46", 0.0), ("W47", 2500.0), ("W48", 6000.0))),)),
        Image("trend.png", "KR1 每周趋势"),
    ),
)

CASES: dict[str, Any] = {
    "message": lambda: render.render(MESSAGE),
    "home": lambda: render.render(HOME),
    "summary_only": lambda: render.render(Message(summary="已删除 T3。")),
    "form_checkin": lambda: render.render(CHECKIN_FORM),
    "form_new_objective": lambda: render.render(NEW_OBJECTIVE_FORM),
    "form_plan": lambda: render.render(PLAN_FORM),
    "form_score": lambda: render.render(SCORE_FORM),
    "form_errors": lambda: render.render_form(
        SCORE_FORM, FormErrors((("score", "分数必须在 0 到 1 之间"),))
    ),
    "chart_and_image": lambda: render.render(CHART, image_keys={"trend.png": "img_v3_fake_1"}),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_card_matches_its_golden_file(kind: str) -> None:
    card = CASES[kind]()
    path = GOLDEN / f"{kind}.json"
    text = json.dumps(card, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if os.environ.get("OKRBOT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_every_card_is_schema_2_and_small_enough() -> None:
    for kind, make in CASES.items():
        card = make()
        assert card["schema"] == "2.0", kind
        assert len(json.dumps(card, ensure_ascii=False).encode()) < 30_000, kind


def test_typed_markup_cannot_forge_a_mention_or_formatting() -> None:
    text = render.markdown('<at id=all></at> **bold** [link](https://x) <font color="red">x</font>')
    assert "<" not in text and "*" not in text and "[" not in text


def test_mentions_become_feishu_at_tags() -> None:
    assert (
        render.markdown(f"谢谢 {mention('ou_bob_fake', '王博')}") == "谢谢 <at id=ou_bob_fake></at>"
    )
    assert render.text_content(f"谢谢 {mention('ou_bob_fake', '王博')}") == {
        "text": '谢谢 <at user_id="ou_bob_fake">王博</at>'
    }


def test_progress_bars_are_drawn_in_text() -> None:
    assert (render.bar(0.6), render.percent(0.6)) == ("██████░░░░", "60%")
    assert render.bar(0.97) == "█████████░"  # full only when reached
    assert render.bar(1.25) == "██████████"
    assert render.bar(None) == "░" * 10


@pytest.mark.parametrize("fraction", [0.01, 0.02, 0.03, 0.04, 0.05])
def test_any_progress_shows_at_least_one_cell(fraction: float) -> None:
    assert render.bar(fraction) == "█" + "░" * 9


@pytest.mark.parametrize("fraction", [0.95, 0.96, 0.97, 0.98, 0.99])
def test_only_a_reached_target_fills_the_bar(fraction: float) -> None:
    assert render.bar(fraction) == "█" * 9 + "░"
    assert render.bar(1.0) == "█" * 10 and render.bar(0.0) == "░" * 10
