"""Rendering a generated HTML page in headless Chromium, for the tests that check what a person
would see (the connectivity graph). Skips, saying why, where no Chromium can run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

#: Headless, no sandbox (root in CI), local files may load each other.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files")


def chromium() -> str | None:
    """A Chromium binary; when absent, install the Debian package as .ci/run does
    (``apt-get install -y --no-install-recommends chromium``), only if running as root."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
            capture_output=True,
            timeout=900,
            check=False,
        )
        return shutil.which("chromium")
    return None


def rendered_dom(page: Path) -> str:
    """The DOM of ``page`` after its scripts ran (skips the test where Chromium cannot run)."""
    browser = chromium()
    if browser is None:
        pytest.skip("chromium not found and could not be installed (apt-get install -y chromium)")
    dom = subprocess.run(
        [browser, *FLAGS, "--virtual-time-budget=2000", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    if "<html" not in dom:
        pytest.skip(f"chromium could not run here: {dom[:200]!r}")
    return dom


def screenshot(page: Path, shot: Path, *, size: str = "1000,900") -> None:
    """A PNG of ``page`` as a person would see it (for looking at, and for a size check)."""
    browser = chromium()
    if browser is None:
        pytest.skip("chromium not found and could not be installed (apt-get install -y chromium)")
    subprocess.run(
        [browser, *FLAGS, f"--window-size={size}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
        cwd=page.parent,
    )
