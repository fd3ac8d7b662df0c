"""Helpers shared by the browser tests: constants, sign-in, screenshots, page errors."""
from __future__ import annotations

import os
from pathlib import Path

from bench.browser_inference import REPO
from tests.unavailable import skip_or_fail

ARTIFACTS = REPO / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MODEL_LOAD_MS = 120_000  # first model load and reading, on a busy machine
# The portal's words the tests find its controls by.
FILE_LABEL = "Chest X-ray (PNG, JPEG or uncompressed DICOM)"
SERVER_BUTTON = "Add to my case (read on the server)"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DEMO_PASSWORD = "a long passphrase 42"


def require(present: bool, message: str) -> None:
    if not present:
        skip_or_fail(message)


class PageErrors(list):
    """Uncaught errors of a page, and anything its Content-Security-Policy blocked, collected so
    that a test can assert there were none."""

    def __init__(self, page) -> None:
        super().__init__()
        page.on("pageerror", lambda error: self.append(str(error)))
        page.on("console", self._on_console)
        # Playwright's init scripts run whatever the page's policy says; this one reports each
        # violation, including those Chromium does not log (a blocked inline style, say).
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (event) => console.error("
            "`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`))"
        )

    def _on_console(self, message) -> None:
        if message.type == "error" and ("Content Security Policy" in message.text or "CSP violation" in message.text):
            self.append(message.text)


def screenshot(page, name: str) -> Path:
    """Saves a full-page screenshot to test-artifacts/<name>.png (the README shows some of them)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_up_and_open_case(page, base_url: str, username: str, title: str):
    """A new patient signs up on the front page and opens a case; returns the case row."""
    from cases.models import Case

    page.goto(f"{base_url}/")
    page.wait_for_selector("#sign-up-form", state="visible")
    page.fill("#sign-up-username", username)
    page.fill("#sign-up-email", f"{username}@example.org")
    page.fill("#sign-up-password", DEMO_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("#workspace", state="visible", timeout=10_000)
    page.get_by_label("What is it about?").fill(title)
    page.get_by_role("button", name="Open case").click()
    page.wait_for_selector(f"#case-title:has-text('{title}')")
    return Case.objects.get(patient__username=username, title=title)


def sign_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Signs in on the front page; doctors and administrators then enter the current code of
    their authenticator app (set up for them here if they have none) and are taken on to their
    own pages."""
    from accounts.models import User
    from clinic_factories import authenticator_code, authenticator_for
    from mfa.selectors import second_factor_required

    page.goto(f"{base_url}/")
    page.wait_for_selector("#sign-in-form", state="visible")
    page.fill("#sign-in-username", username)
    page.fill("#sign-in-password", password)
    user = User.objects.get(username=username)
    device = authenticator_for(user) if second_factor_required(user) else None
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.wait_for_selector("#code-form", state="visible")
        page.fill("#code-input", authenticator_code(device))
        page.get_by_role("button", name="Verify").click()


AXE_SCRIPT = REPO / "web" / "node_modules" / "axe-core" / "axe.min.js"


def accessibility_violations(page, impact=("serious", "critical"), *, context=None) -> list[dict]:
    """Runs axe-core (web/node_modules, pinned in package.json) on the page as it is now and returns
    the violations of the given impacts, each as {"id", "impact", "help", "targets"}, so that a
    test can `assert not violations, violations`. `context` limits the check (a CSS selector)."""
    require(AXE_SCRIPT.exists(), f"{AXE_SCRIPT} not found (run npm install in web/)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugger, not added as an inline <script> the page's CSP refuses.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async (context) => {
            const results = await axe.run(context ?? document, { resultTypes: ['violations'] });
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((node) => node.target.join(' ')),
            }));
        }""",
        context,
    )
    return [violation for violation in results if violation["impact"] in impact]


def finished_readings(count: int = 1, *, timeout: float = MODEL_LOAD_MS / 1000, **filters) -> list:
    """Polls the database until `count` readings matching `filters` have finished (succeeded or
    failed), as the Celery worker writes them; returns them oldest first."""
    import time

    from readings.models import Reading, ReadingStatus

    open_states = (ReadingStatus.PENDING, ReadingStatus.RUNNING)
    deadline = time.monotonic() + timeout
    while True:
        readings = list(Reading.objects.filter(**filters).order_by("id"))
        if len(readings) >= count and not any(r.status in open_states for r in readings):
            return readings
        if time.monotonic() > deadline:
            states = [(r.pk, r.status) for r in readings]
            raise AssertionError(f"after {timeout} s, {count} readings {filters} not finished: {states}")
        time.sleep(0.25)


def server_decisions(paths: list[Path], model_name: str = "chest-xray-pneumonia") -> dict[Path, object]:
    """What the server decides for each file with the active version of the model, computed in this
    process by the worker's own code (decode, graph, decision): to pick real X-rays the model reads
    as positive, negative or refuses. Returns {path: inference.decision.Decision}."""
    from inference import runtime
    from inference.decision import decide
    from inference.selectors import model_active_get
    from training.decoding import decode_image_file

    package = model_active_get(model_name)
    return {path: decide(package, prediction) for path, prediction in
            zip(paths, runtime.predict(package, [decode_image_file(p, channels=package.channels) for p in paths]))}


def first_read_as(paths: list[Path], *, positive: bool, model_name: str = "chest-xray-pneumonia") -> Path:
    """The first file the active model reads (the gate accepts it) as positive, or as negative."""
    decisions = server_decisions(paths, model_name)
    for path, decision in decisions.items():
        if not decision.refused and decision.score is not None and (decision.score >= decision.threshold) == positive:
            return path
    raise AssertionError(f"the model reads none of {[p.name for p in paths]} as {'positive' if positive else 'negative'}: "
                         f"{[(p.name, d.refusal or d.score) for p, d in decisions.items()]}")


def jpeg2000_dicom(xray: Path, out: Path, template: Path) -> Path:
    """A real X-ray as a JPEG 2000 DICOM (CR, chest): a file the browser cannot decode.

    The header comes from a real CR radiograph (`template`); the pixels are the X-ray's, 8-bit
    MONOCHROME2, compressed losslessly, so the server reads exactly the X-ray's pixels.
    """
    import numpy as np
    import pydicom
    from PIL import Image
    from pydicom.uid import JPEG2000Lossless

    pixels = np.asarray(Image.open(xray).convert("L"))
    dataset = pydicom.dcmread(template)
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 8, 8, 7, 0
    dataset.PhotometricInterpretation = "MONOCHROME2"
    for keyword in ("WindowCenter", "WindowWidth", "RescaleSlope", "RescaleIntercept", "RescaleType", "VOILUTSequence"):
        if keyword in dataset:
            delattr(dataset, keyword)
    dataset.compress(JPEG2000Lossless, pixels)
    dataset.save_as(out)
    return out
