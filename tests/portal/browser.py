"""Chromium through Playwright (Debian's /usr/bin/chromium: browsers cannot be downloaded here) and axe-core."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
# The widths issue 19 asks every customer page to work at: the narrowest phone, a common phone, a laptop.
WIDTHS = {"narrow": {"width": 320, "height": 640}, "phone": {"width": 390, "height": 844},
          "laptop": {"width": 1366, "height": 768}}
LANGUAGES = ("pl", "en")
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _browser_env() -> dict[str, str]:
    """The environment without libfaketime: the suite also runs under `faketime` (a clock moved ahead),
    which stalls Chromium's page loads; a customer's browser keeps its own clock anyway."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, env=_browser_env())
        try:
            yield browser
        finally:
            browser.close()


def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now: "rule: target" lines."""
    result = Axe().run(page, options=WCAG_21_AA)
    return [f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'])}" for v in result.response["violations"]]


# What sticks out to the right of the viewport, outside any element that scrolls or clips it.
_OVERFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth, found = [];
  if (root.scrollWidth > width) found.push(`document ${root.scrollWidth} > ${width}`);
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || box.right <= width + 0.5) continue;
    let up = el.parentElement, clipped = false;
    for (; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(up).overflowX)) { clipped = true; break; }
    }
    if (!clipped) found.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.right)} > ${width}`);
  }
  return found.slice(0, 8);
}"""


def sticking_out(page: Page) -> list[str]:
    """What makes the page scroll sideways: the document wider than the viewport, or an element past its
    right edge that no scrolling or clipping box holds (empty when nothing does)."""
    found: list[str] = page.evaluate(_OVERFLOW)
    return found
