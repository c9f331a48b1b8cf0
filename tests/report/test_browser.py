"""The page in a real browser: headless Chromium (Debian package ``chromium``) loads it from a
file:// URL with no network, runs its script, and every embedded PNG decodes.

Skipped when ``chromium`` is not installed (CI: ``apt-get install -y --no-install-recommends
chromium``).
"""

import re
import shutil
import subprocess

import pytest

from dataprep.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (apt-get install -y --no-install-recommends chromium)",
)
SECTIONS = {
    "filter": ["summary", "reasons", "scores", "duplicates", "manifest"],
    "score": ["summary", "reasons", "scores", "manifest"],
    "schedule": ["summary", "reasons", "scores", "schedule", "manifest"],
}


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.parametrize("kind", ["filter", "score", "schedule"])
def test_chromium_renders_every_section_and_decodes_every_image(report_outputs, tmp_path, kind):
    page = write_report(report_outputs[kind], tmp_path / "report.html")
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    body = re.search(r"<body([^>]*)>", dom).group(1)
    total = int(re.search(r'data-images-total="(\d+)"', body).group(1))
    loaded = re.search(r'data-images-loaded="(\d+)"', body)
    assert loaded is not None, "the page's script did not run"
    assert total > 0 and int(loaded.group(1)) == total
    assert re.findall(r'<section id="(\w+)"', dom) == SECTIONS[kind]


def test_chromium_screenshot_of_the_page(report_outputs, tmp_path):
    page = write_report(report_outputs["filter"], tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1000,3000", page.as_uri())
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert shot.stat().st_size > 20_000  # a blank page is a few kB


def test_a_corrupt_image_is_counted_as_not_decoded(report_outputs, tmp_path):
    """The check above can fail: one damaged PNG leaves data-images-loaded one short."""
    text = write_report(report_outputs["score"], tmp_path / "report.html").read_text()
    start = text.index("data:image/png;base64,") + len("data:image/png;base64,")
    page = tmp_path / "broken.html"
    page.write_text(text[:start] + "AAAA" + text[start + 4 :])
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    total = int(re.search(r'data-images-total="(\d+)"', dom).group(1))
    assert re.search(r'data-images-loaded="(\d+)"', dom).group(1) == str(total - 1)
