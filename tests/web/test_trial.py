"""`okrbot web --trial`: the web view over the trial's database, a one-time link as Alice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.web.site import Browser


def test_the_trial_prints_a_one_time_link_that_signs_in_as_alice(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEISHU_", "OKRBOT_"))
    }
    env["OKRBOT_CONSOLE_START"] = "2026-11-25T10:00:00+08:00"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--trial", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        link = None
        deadline = time.monotonic() + 60
        lines: list[str] = []
        while link is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+)/signin/trial/\S+", line)
            link = found.group(0) if found else None
        assert link is not None, "".join(lines)
        base = link.split("/signin/")[0]
        browser = Browser(base)
        tree = browser.get(link)
        assert tree.status == 200 and tree.url == base + "/tree"
        assert "Alice Smith" in tree.body and "Raise brand awareness" in tree.body
        assert 'name="member"' in tree.body  # the demo's other people are a switch away
        token = re.search(r'name="csrf" value="([^"]+)"', tree.body)
        chen = re.search(r'<option value="(\d+)"[^>]*>Chen Jing</option>', tree.body)
        assert token is not None and chen is not None
        switched = browser.post(
            "/trial/as", {"csrf": token.group(1), "member": chen.group(1), "next": "/tree"}
        )
        assert switched.status == 303
        assert "对齐树" in browser.get("/tree").body  # Chen reads Chinese
        assert Browser(base).get(link).status == 404  # the link works once
        assert (tmp_path / "okrbot-trial.db").exists()
    finally:
        process.terminate()
        process.wait(10)
