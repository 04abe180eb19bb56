"""A real browser on the review page: Debian's chromium through chromedriver (Selenium)
opens the incident link of the approval request that `remediate serve` e-mailed to a real
SMTP server (aiosmtpd), signs in, reads the diff, approves, and sees the fix of the
supervisord lab verified; the approval and the verification are e-mailed with the same link.
The screenshot of the incident page is the README's."""

import re
import shutil
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from lab_cli import index, lab  # noqa: F401 - fixtures
from receivers import MailServer
from remediate.config import PROJECT_ROOT
from review_lab import PASSWORDS, ReviewServer, free_port, investigate, review_config

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


def mails(mail: MailServer, count: int, server: ReviewServer) -> list[EmailMessage]:
    """The first ``count`` messages aiosmtpd accepted, waiting for the server's sender."""
    deadline = time.monotonic() + 60
    while len(mail.messages) < count:
        assert server.proc.poll() is None, server.log.read_text()
        assert time.monotonic() < deadline, (mail.messages, server.log.read_text())
        time.sleep(0.1)
    return mail.messages[:count]


def submit(browser: WebDriver, button: str) -> None:
    """Click a form's button and wait for the page it leads to: a click returns once the
    event is dispatched, not when the navigation it started is done (CI once read the
    login page's URL right after signing in)."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, button).click()
    wait = WebDriverWait(browser, 300)
    wait.until(expected_conditions.staleness_of(page))
    wait.until(lambda b: b.execute_script("return document.readyState") == "complete")


def incident_link(message: EmailMessage) -> str:
    """The link to the incident page, as the reader of the e-mail finds it."""
    found = re.search(r"^Incident page: (\S+)\s*$", message.get_content(), re.MULTILINE)
    assert found, message.get_content()
    return found.group(1)


def test_open_the_link_of_the_mail_sign_in_read_the_diff_approve_and_see_verified(
    lab, index, tmp_path, browser
):
    port = free_port()
    with MailServer() as mail:
        smtp = {"host": "127.0.0.1", "port": mail.port, "security": "none", "to": ["oncall@x.test"]}
        config = review_config(
            lab,
            tmp_path,
            index,
            public_url=f"http://127.0.0.1:{port}",
            notifications={"backoff": 0.2, "max_backoff": 1.0, "timeout": 5, "smtp": smtp},
        )
        outcome = investigate(config, lab)
        incident = outcome["incident"]["id"]
        server = ReviewServer(config, port)
        try:
            [proposal] = mails(mail, 1, server)
            assert proposal["Subject"].startswith("[remediate] Approval requested: "), proposal
            link = incident_link(proposal)
            parts = urlsplit(link)
            assert (parts.netloc, parts.path) == (f"127.0.0.1:{port}", f"/incidents/{incident}")
            browser.get(link)
            assert "/login" in browser.current_url, "the link asks for a sign-in first"
            browser.find_element(By.ID, "login-user").send_keys("alice")
            browser.find_element(By.ID, "login-password").send_keys(PASSWORDS["alice"])
            submit(browser, "login-submit")
            assert browser.current_url == link, "back on the incident after signing in"
            diff = browser.find_element(By.ID, "diff").text
            assert "restart" in diff.lower() or "changed" in diff.lower(), diff
            binding = browser.find_element(By.ID, "binding-hash").text
            assert binding == outcome["incident"]["proposal_hash"]
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(str(SCREENSHOT))
            browser.find_element(By.ID, "comment").send_keys("diff reviewed")
            submit(browser, "approve")
            assert browser.find_element(By.ID, "status").text == "verified"
            assert not browser.find_elements(By.ID, "approve"), "answered: no buttons"
            assert "approved by alice (web)" in browser.find_element(By.ID, "decide").text
            assert lab.is_healthy()
            later = {m["Subject"].split(":")[0]: m for m in mails(mail, 3, server)[1:]}
        finally:
            server.stop()
    assert sorted(later) == ["[remediate] Approved by alice", "[remediate] Fixed and verified"]
    assert [incident_link(m) for m in later.values()] == [link, link]
    assert len(mail.messages) == 3, [m["Subject"] for m in mail.messages]
    assert Path(SCREENSHOT).stat().st_size > 10_000
