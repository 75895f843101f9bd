"""A minimal W3C WebDriver client (httpx + the distribution's chromedriver) for the browser
tests: start headless Chromium, open a page, find elements, read the text a person sees.

No selenium needed: the protocol is a handful of JSON requests to chromedriver on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

#: Chromium's flags: headless, no sandbox (root in CI), nothing fetched from the network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1200,900",
)
_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def find_browser() -> tuple[str, str] | None:
    """(chromium, chromedriver) found on PATH, or ``None``."""
    browser = next(
        (p for n in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(n))),
        None,
    )
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """One headless Chromium session driven through chromedriver."""

    def __init__(self, http: httpx.Client, session: str) -> None:
        self.http, self.session = http, session

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"/session/{self.session}{path}", json=body)
        data = response.json()
        if response.status_code >= 400:
            raise RuntimeError(f"webdriver {method} {path}: {data.get('value')}")
        return data["value"]

    def get(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def refresh(self) -> None:
        self._call("POST", "/refresh", {})

    @property
    def title(self) -> str:
        return str(self._call("GET", "/title"))

    def find_all(self, css: str) -> list[str]:
        found = self._call("POST", "/elements", {"using": "css selector", "value": css})
        return [str(item[_ELEMENT]) for item in found]

    def text(self, element: str) -> str:
        """The rendered text of an element, as a person sees it."""
        return str(self._call("GET", f"/element/{element}/text"))

    def displayed(self, element: str) -> bool:
        return bool(self._call("GET", f"/element/{element}/displayed"))

    def click(self, element: str) -> None:
        self._call("POST", f"/element/{element}/click", {})

    def texts(self, css: str) -> list[str]:
        """The visible text of every element matching ``css``."""
        return [self.text(e) for e in self.find_all(css) if self.displayed(e)]

    def page_text(self) -> str:
        [body] = self.find_all("body")
        return self.text(body)


@contextlib.contextmanager
def browser(chromium: str, chromedriver: str) -> Iterator[Browser]:
    """A headless Chromium session (chromedriver on a free 127.0.0.1 port)."""
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="ghl-ninox-chromium-")
    driver = subprocess.Popen(
        [chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120.0)
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if http.get("/status").status_code == 200:
                    break
            time.sleep(0.05)
        options = {"binary": chromium, "args": [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]}
        response = http.post(
            "/session",
            json={
                "capabilities": {
                    "alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}
                }
            },
        )
        data = response.json()
        value = data.get("value", {})
        if response.status_code >= 400 or data.get("status", 0):
            raise RuntimeError(f"chromedriver could not start Chromium: {value}")
        session = Browser(http, value.get("sessionId") or data["sessionId"])
        try:
            yield session
        finally:
            with contextlib.suppress(httpx.HTTPError):
                http.delete(f"/session/{session.session}")
    finally:
        http.close()
        driver.terminate()
        try:
            driver.wait(timeout=20)
        except subprocess.TimeoutExpired:
            driver.kill()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(chromium: str, url: str, target: Path, *, size: str = "1200,1000") -> None:
    """A PNG of ``url`` taken with Chromium's own ``--screenshot``."""
    with tempfile.TemporaryDirectory(prefix="ghl-ninox-shot-") as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={size}",
                "--hide-scrollbars",
                f"--screenshot={target}",
                url,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
