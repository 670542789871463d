"""The web view in a real headless Chromium (Debian's, through chromedriver and Selenium).

One browser for the module. It signs in through the fake Slack's and the fake
Feishu's OAuth pages, opens the demo company's tree, expands nodes, follows a
link to a KR page and reads its check-ins, switches to Chinese, and walks the
page by keyboard. Every page it sees is checked with html-validate and with
axe-core (WCAG 2 A and AA: labels, contrast, names). Screenshots are kept in
test-artifacts/web/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import WEDNESDAY
from tests.databases import Databases
from tests.web.site import Site, start_site, stop_site

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHECKERS = Path(__file__).resolve().parent / "checkers" / "node_modules"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
TIMEOUT = 10


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        return "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
    if not (CHECKERS / "axe-core").exists() or not (CHECKERS / "html-validate").exists():
        return "the page checkers are not installed: npm install --prefix tests/web/checkers"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (the dev extra has it)"
    return None


if _missing() is not None and os.environ.get("CI") != "true":
    pytest.skip(str(_missing()), allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions as until  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def site(databases: Databases) -> Iterator[Site]:
    url = databases.migrated()
    running = start_site(url, WEDNESDAY)
    try:
        yield running
    finally:
        stop_site(running)
        databases.drop(url)


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    profile = tempfile.mkdtemp(prefix="okrbot-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1200,1400",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(DRIVER), options=options)
    browser.set_page_load_timeout(30)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: WebDriver, css: str) -> None:
    WebDriverWait(driver, TIMEOUT).until(until.presence_of_element_located((By.CSS_SELECTOR, css)))


def shot(driver: WebDriver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def valid_html(driver: WebDriver, name: str) -> None:
    """The page as the server sent it is valid HTML (html-validate's recommended rules).

    Fetched again with the browser's cookies: Chromium's page_source is its own
    re-serialisation of the DOM, not what we wrote.
    """
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(driver.current_url, headers={"Cookie": cookies})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        source = ARTIFACTS / f"{name}.html"
        source.write_bytes(response.read())
    config = ARTIFACTS / "htmlvalidate.json"
    config.write_text(json.dumps({"extends": ["html-validate:recommended"]}))
    validator = CHECKERS / "html-validate" / "bin" / "html-validate.mjs"
    result = subprocess.run(
        ["node", str(validator), "-c", str(config), str(source)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def accessible(driver: WebDriver) -> None:
    """No WCAG 2 A/AA violation axe-core can find (labels, contrast, names, landmarks)."""
    driver.execute_script((CHECKERS / "axe-core" / "axe.min.js").read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        ".then(r => done(r.violations.map(v => [v.id, v.nodes.map(n => n.target.join(' '))])))"
        ".catch(e => done([['axe failed', String(e)]]));"
    )
    assert found == [], found


def check(driver: WebDriver, name: str) -> None:
    shot(driver, name)
    valid_html(driver, name)
    accessible(driver)


def test_sign_in_with_slack_expand_the_tree_and_read_a_krs_check_ins(
    site: Site, driver: WebDriver
) -> None:
    site.slack.signing_in_as = "alice"
    driver.delete_all_cookies()
    driver.get(site.base + "/tree")
    wait_for(driver, "a[href^='/signin/slack']")
    check(driver, "signin")
    driver.find_element(By.CSS_SELECTOR, "a[href^='/signin/slack']").click()
    wait_for(driver, "ul.tree")
    assert driver.current_url == site.base + "/tree"
    check(driver, "tree")

    south = driver.find_element(
        By.XPATH, "//li[div/span/a[contains(., 'South China revenue')]]/details/summary"
    )
    details = south.find_element(By.XPATH, "..")
    assert details.get_attribute("open") is None
    inner = details.find_element(By.XPATH, ".//a[contains(., 'Win the A-business')]")
    assert not inner.is_displayed()
    south.click()
    WebDriverWait(driver, TIMEOUT).until(lambda _: inner.is_displayed())
    shot(driver, "tree-expanded")

    driver.find_element(By.XPATH, "//a[starts-with(., 'KR1 A-business revenue')]").click()
    wait_for(driver, "table.history")
    assert "/krs/" in driver.current_url
    rows = driver.find_element(By.CSS_SELECTOR, "table.history").text
    assert "长沙、成都大单落地" in rows and "两个省会城市新签约" in rows
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart")
    check(driver, "kr")


def test_switch_to_chinese_and_back(site: Site, driver: WebDriver) -> None:
    driver.get(site.base + "/tree")
    wait_for(driver, "ul.tree")
    driver.find_element(By.CSS_SELECTOR, "button[name='lang'][value='zh']").click()
    wait_for(driver, "button[name='lang'][value='en']")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "对齐树" in driver.find_element(By.TAG_NAME, "h1").text
    check(driver, "tree-zh")
    driver.find_element(By.CSS_SELECTOR, "button[name='lang'][value='en']").click()
    wait_for(driver, "button[name='lang'][value='zh']")


def test_a_team_page_has_its_charts_and_members(site: Site, driver: WebDriver) -> None:
    driver.get(site.base + "/tree")
    wait_for(driver, "ul.tree")
    driver.find_element(By.XPATH, "//a[contains(., 'team Marketing')]").click()
    wait_for(driver, "svg.chart")
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "Mei Lin" in body and "Bob Jones" in body
    check(driver, "team")


def test_the_tree_works_from_the_keyboard(site: Site, driver: WebDriver) -> None:
    driver.get(site.base + "/tree")
    wait_for(driver, "ul.tree")
    page = driver.find_element(By.TAG_NAME, "body")
    page.send_keys(Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("class") == "skip"
    summary = driver.find_element(
        By.XPATH, "//li[div/span/a[contains(., 'South China revenue')]]/details/summary"
    )
    details = summary.find_element(By.XPATH, "..")
    was_open = details.get_attribute("open") is not None
    driver.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.SPACE)
    WebDriverWait(driver, TIMEOUT).until(
        lambda _: (details.get_attribute("open") is not None) != was_open
    )


def test_a_feishu_user_signs_in_and_reads_in_chinese(site: Site, driver: WebDriver) -> None:
    site.feishu.signing_in_as = "chen"
    driver.delete_all_cookies()
    driver.get(site.base + "/signin")
    wait_for(driver, "a[href^='/signin/feishu']")
    driver.find_element(By.CSS_SELECTOR, "a[href^='/signin/feishu']").click()
    wait_for(driver, "ul.tree")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "Chen Jing" in driver.find_element(By.CSS_SELECTOR, "header .who").text
    check(driver, "tree-feishu")
