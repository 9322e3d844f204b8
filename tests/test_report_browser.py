"""The report in a real browser: it opens from disk, every figure decodes,
nothing is fetched from the network and nothing goes wrong on the console."""

from pathlib import Path

import pytest

from mnistlab.chapter import SECTIONS
from test_report import run, shared_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path("/tmp/report.png")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"no Chromium at {CHROMIUM} (install the Debian chromium package)",
)


@pytest.fixture(scope="module")
def report(mnist, tmp_path_factory):
    """The report of every section on the first 300 images."""
    return shared_report(run(mnist, tmp_path_factory), tmp_path_factory) / "index.html"


@pytest.fixture(scope="module")
def loaded(report):
    """The page as Chromium shows it, with what it requested and logged."""
    from playwright.sync_api import sync_playwright

    seen = {"requests": [], "outside": [], "console": [], "errors": []}

    def route(route):
        url = route.request.url
        seen["requests"].append(url)
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            seen["outside"].append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            context.route("**/*", route)
            page = context.new_page()
            page.on(
                "console",
                lambda message: seen["console"].append((message.type, message.text)),
            )
            page.on("pageerror", lambda error: seen["errors"].append(str(error)))
            page.goto(report.as_uri(), wait_until="load")
            seen["images"] = page.eval_on_selector_all(
                "img",
                """images => images.map(image => ({
                    complete: image.complete,
                    naturalWidth: image.naturalWidth,
                    naturalHeight: image.naturalHeight,
                    shownWidth: image.getBoundingClientRect().width,
                    alt: image.alt,
                    scheme: image.src.split(":")[0],
                }))""",
            )
            seen["sections"] = page.eval_on_selector_all(
                "section", "sections => sections.map(s => s.id)"
            )
            seen["overflow"] = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    return seen


def test_page_loads_from_disk_without_errors(loaded, report):
    errors = [text for kind, text in loaded["console"] if kind == "error"]

    assert errors == []
    assert loaded["errors"] == []
    assert loaded["requests"][0] == report.as_uri()


def test_nothing_is_requested_from_the_network(loaded):
    assert loaded["outside"] == []
    assert all(url.startswith(("file://", "data:")) for url in loaded["requests"])


def test_every_image_decodes(loaded):
    images = loaded["images"]

    assert len(images) == 13
    for image in images:
        assert image["scheme"] == "data"
        assert image["complete"]
        assert image["naturalWidth"] > 0 and image["naturalHeight"] > 0
        assert 0 < image["shownWidth"] <= 1100
        assert image["alt"]


def test_every_section_is_shown(loaded):
    assert loaded["sections"] == list(SECTIONS)


def test_page_fits_the_window_width(loaded):
    assert loaded["overflow"] <= 0


def test_screenshot_is_taken(loaded):
    assert SCREENSHOT.stat().st_size > 10_000
