"""A real browser on the review page: Debian's chromium through chromedriver (Selenium)
signs in, opens an incident of the supervisord lab from its deep link (the link a
notification carries), reads the diff, approves, and sees the fix verified. The screenshot
of the incident page is the README's."""

import shutil
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from lab_cli import index, lab  # noqa: F401 - fixtures
from remediate.config import PROJECT_ROOT
from review_lab import PASSWORDS, ReviewServer, investigate, review_config

SCREENSHOT = PROJECT_ROOT / "benchmarks" / "results" / "review-page.png"


@pytest.fixture
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "apt-get install chromium chromium-driver (.ci/run does)"
    profile = tempfile.mkdtemp(prefix="remediate-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,2200",
    ):
        options.add_argument(flag)
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    chrome.set_page_load_timeout(300)
    yield chrome
    chrome.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_sign_in_open_the_deep_link_read_the_diff_approve_and_see_verified(
    lab, index, tmp_path, browser
):
    config = review_config(lab, tmp_path, index)
    outcome = investigate(config, lab)
    server = ReviewServer(config)
    try:
        deep_link = f"{server.url}/incidents/{outcome['incident']['id']}"
        browser.get(deep_link)
        assert "/login" in browser.current_url, "the deep link asks for a sign-in first"
        browser.find_element(By.ID, "login-user").send_keys("alice")
        browser.find_element(By.ID, "login-password").send_keys(PASSWORDS["alice"])
        browser.find_element(By.ID, "login-submit").click()
        assert browser.current_url == deep_link, "back on the incident after signing in"
        diff = browser.find_element(By.ID, "diff").text
        assert "restart" in diff.lower() or "changed" in diff.lower(), diff
        assert (
            browser.find_element(By.ID, "binding-hash").text == outcome["incident"]["proposal_hash"]
        )
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOT))
        browser.find_element(By.ID, "comment").send_keys("diff reviewed")
        browser.find_element(By.ID, "approve").click()
        assert browser.find_element(By.ID, "status").text == "verified"
        assert not browser.find_elements(By.ID, "approve"), "answered: no buttons"
        assert "approved by alice (web)" in browser.find_element(By.ID, "decide").text
        assert lab.is_healthy()
    finally:
        server.stop()
    assert Path(SCREENSHOT).stat().st_size > 10_000
