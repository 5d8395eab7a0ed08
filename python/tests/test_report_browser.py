"""`metric-ledger report` in a real browser: headless Chromium (Debian's package, `make
chromium-bin`) opens the report built from the scenario warehouse with every network request
refused, takes a screenshot and dumps the DOM it rendered.

The page must render its SVG charts (each with a text alternative), log nothing to the console
and make no request: Chromium's own net log is read and every request the page initiated is an
error (Chromium's background requests, initiated by no origin, are not the page's). A missing
Chromium fails the test with what to do; it never skips (CI installs it through the Makefile).

Every governed metric's memo (`metric-ledger memo --format html`) is printed on A4 through the
DevTools protocol and must be one page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from metric_ledger.cli import main

#: Flags of every run: headless as root, no background traffic, no name resolves, so a page that
#: tried to load anything from a network would fail to (and the net log would show it).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "Chromium is not installed: run `make chromium-bin` (as root it runs "
        "`apt-get install chromium`); the browser test of the report needs it",
        pytrace=False,
    )


def run_chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0:
        pytest.fail(f"chromium failed ({proc.returncode}):\n{proc.stderr[-3000:]}", pytrace=False)
    return proc


@pytest.fixture(scope="module")
def report_page(scenario_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report_browser")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "metric_ledger",
            "report",
            "--db",
            str(scenario_project / "warehouse.duckdb"),
            "--out",
            str(out / "report"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip())


class _Dom(HTMLParser):
    """The rendered DOM: every SVG with its role, label, title and description, and every
    attribute that could load something."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, str]] = []
        self.links: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.tags: set[str] = set()
        self._open: str | None = None
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in ("src", "href", "xlink:href", "action", "poster", "data", "srcset"):
                self.links.append((tag, name, value))
        if tag == "svg":
            self._svg_depth += 1
            if self._svg_depth == 1:
                self.svgs.append({"role": values.get("role", ""), "title": "", "desc": ""})
        elif tag in ("title", "desc") and self._svg_depth and self.svgs:
            self._open = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg_depth -= 1
        if tag == self._open:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and self.svgs:
            self.svgs[-1][self._open] += data


def test_report_renders_offline_in_chromium(report_page: Path, tmp_path: Path) -> None:
    source = report_page.read_text(encoding="utf-8")
    charts_in_source = source.count('<figure class="chart">')
    assert charts_in_source >= 20  # 19 governed metrics and the scan's charts

    # 1. A screenshot, with the net log of everything the browser requested.
    shot, net_log = tmp_path / "report.png", tmp_path / "net.json"
    proc = run_chromium(
        tmp_path / "profile-shot",
        f"--screenshot={shot}",
        "--window-size=1280,2400",
        f"--log-net-log={net_log}",
        report_page.as_uri(),
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # A blank 1280x2400 page compresses to a few kilobytes; text and charts do not.
    assert len(png) > 60_000, f"the screenshot looks blank ({len(png)} bytes)"
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], f"the page logged to the console: {console}"
    types = {
        value: name
        for name, value in json.loads(net_log.read_text())["constants"]["logEventTypes"].items()
    }
    starts = [
        event.get("params", {})
        for event in json.loads(net_log.read_text())["events"]
        if types.get(event["type"]) == "URL_REQUEST_START_JOB"
    ]
    page_requests = [
        params["url"]
        for params in starts
        if "url" in params and params.get("initiator") != "not an origin"
    ]
    assert page_requests == [], f"the page requested: {page_requests}"

    # 2. The DOM Chromium rendered: the charts are there, each an image with a text alternative.
    dom_text = run_chromium(tmp_path / "profile-dom", "--dump-dom", report_page.as_uri()).stdout
    dom = _Dom()
    dom.feed(dom_text)
    assert len(dom.svgs) == charts_in_source
    for svg in dom.svgs:
        assert svg["role"] == "img"
        assert svg["title"].strip() and svg["desc"].strip(), svg
    assert not {"script", "link", "iframe", "img", "object", "embed"} & dom.tags
    outside = [(t, a, v) for t, a, v in dom.links if not v.startswith("#")]
    assert outside == [], f"attributes pointing outside the page: {outside[:5]}"
    assert not re.search(r"url\((?!#)", dom_text), "a CSS url() outside the page"
    assert "@import" not in dom_text
    # What a reader sees first: the week, the verdict count and a metric's words.
    assert "Weekly drift check: week of 2026-02-09" in dom_text
    assert "governed metrics may be used for their job" in dom_text


def _pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium printed: its page objects (`/Type /Page`, not `/Pages`)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


class _DevTools:
    """Chromium's DevTools protocol over `--remote-debugging-pipe` (JSON messages ended by NUL
    on file descriptors 3 and 4): the command line's `--print-to-pdf` ignores the page's CSS
    paper size and prints US Letter, so the A4 check prints through the protocol instead."""

    def __init__(self, profile: Path) -> None:
        import os

        child_in, self._to_chromium = os.pipe()
        self._from_chromium, child_out = os.pipe()

        def wire_pipes() -> None:  # in the child, before exec: its fds 3 and 4
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._process = subprocess.Popen(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe"],
            pass_fds=(3, 4),
            preexec_fn=wire_pipes,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._next_id = 0

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        import os

        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chromium, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_chromium, 1 << 20)
                assert chunk, "Chromium closed the DevTools pipe"
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply
                return dict(reply["result"])

    def print_a4(self, url: str) -> bytes:
        import base64
        import time

        target = self.call("Target.createTarget", url=url)["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for _ in range(100):
            state = self.call(
                "Runtime.evaluate", session, expression="location.href + ' ' + document.readyState"
            )
            if state["result"].get("value") == f"{url} complete":
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"{url} did not load in Chromium")
        pdf = self.call(
            "Page.printToPDF", session, paperWidth=8.27, paperHeight=11.69, preferCSSPageSize=False
        )
        return base64.b64decode(pdf["data"])

    def close(self) -> None:
        import os

        os.close(self._to_chromium)
        os.close(self._from_chromium)
        self._process.kill()
        self._process.wait(timeout=30)


def test_every_memo_prints_on_one_a4_page(scenario_project: Path, tmp_path: Path) -> None:
    """`metric-ledger memo --format html` of every governed metric of the scenario warehouse,
    printed on A4 by Chromium (DevTools Page.printToPDF on A4 paper): one page
    each."""
    memos = tmp_path / "memos"
    database = scenario_project / "warehouse.duckdb"
    result = CliRunner().invoke(
        main, ["memo", "--all", "--db", str(database), "--format", "html", "--out", str(memos)]
    )
    assert result.exit_code == 0, result.output
    browser = _DevTools(tmp_path / "profile")
    try:
        pages = {
            html.stem: _pdf_pages(browser.print_a4(html.as_uri())) for html in memos.glob("*.html")
        }
    finally:
        browser.close()
    assert len(pages) >= 15
    assert all(count == 1 for count in pages.values()), pages
