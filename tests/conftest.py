"""Fixtures shared by the test folders."""

import shutil
import subprocess

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page_title_in_chromium(tmp_path):
    """``title(page, extra='')``: what headless Chromium titles the HTML file ``page`` once it has loaded:
    ``images:N broken:M`` (its images, and those that did not load) followed by the value of the JavaScript
    expression ``extra``; the test skips where Chromium is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (Debian package chromium)")

    def title(page, extra=""):
        script = f"{COUNT_IMAGES}{' + ' + extra if extra else ''};"
        probe = tmp_path / "probe.html"
        probe.write_text(page.read_text() + f"<script>window.addEventListener('load', () => {{ {script} }});</script>")
        dom = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                              "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
                             capture_output=True, text=True, timeout=120).stdout
        start = dom.find("<title>")
        return dom[start + 7:dom.find("</title>", start)] if start >= 0 else dom[:300]
    return title


# JavaScript that titles a page with its count of images and of images that did not load.
COUNT_IMAGES = ("const imgs = [...document.images]; document.title = 'images:' + imgs.length + ' broken:' +"
                " imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length")
