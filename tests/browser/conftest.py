"""Fixtures for tests that drive a real headless Chromium (Debian's ``chromium``).

No browser is ever downloaded: the tests use the system Chromium through playwright's
``executable_path``. Without one they are skipped with a message, unless
``DEDUP_REQUIRE_BROWSER=1`` (CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sitekit import Site, Watch, build_site

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking"]


def chromium_path() -> str | None:
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("DEDUP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (DEDUP_REQUIRE_BROWSER=1)")
    pytest.skip(f"{reason}; install Debian's chromium (apt-get install chromium) to run "
                "the browser tests")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    path = chromium_path()
    if path is None:
        _unavailable("no chromium found on PATH or at /usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(tmp_path_factory.mktemp("browser"))


@pytest.fixture
def watched(browser: Any) -> Iterator[tuple[Any, Watch]]:
    """A fresh page whose console, errors, requests and dialogs are recorded; any
    request that is not for a file:// or data: URL is aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch()

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("file://", "data:")):
            r.continue_()
        else:
            watch.requests.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(("file://", "data:"))
            else watch.requests.append(r.url))

    def dialog(d: Any) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    yield page, watch
    context.close()
