"""The app pages under their Content-Security-Policy, in Chromium: they work, nothing is blocked,
and no other site can frame them.

The other browser tests load every page with live_pages.PageErrors, which fails them on any CSP
violation (the pages carry the policy in a <meta> tag, so it holds on the test server too). Here
the pages come through Django's WSGI handler and WhiteNoise, as in production, so the header's
frame-ancestors 'none' is in force as well.
"""
from __future__ import annotations

import pytest
from django.test.testcases import LiveServerThread
from live_pages import DESKTOP, PageErrors

from config.security_headers import POLICY

PAGES = ["portal.html", "doctor.html", "admin.html", "queue.html", "demo.html"]


@pytest.fixture
def whitenoise_server(portal_settings):
    """A live server whose static files are answered by WhiteNoise (from the finders, as in
    development), not by the test server's own static handler, which skips every middleware."""
    portal_settings.WHITENOISE_USE_FINDERS = True
    thread = LiveServerThread("localhost", static_handler=lambda handler: handler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", PAGES)
def test_each_page_loads_under_the_policy_with_nothing_blocked(whitenoise_server, browser, name):
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    response = page.goto(f"{whitenoise_server}/static/web/{name}")
    assert response.headers["content-security-policy"] == POLICY
    assert response.headers["x-frame-options"] == "DENY"
    page.wait_for_load_state("networkidle")
    # The page's stylesheets applied (they are files now, no <style> block): the page's width.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") not in ("none", "")
    if name == "demo.html":
        page.evaluate("window.inference.ready")  # TF.js started its backend: WASM compiled
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_and_the_django_admin_work_under_their_policy(whitenoise_server, browser):
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    page.goto(f"{whitenoise_server}/api/v1/docs/")
    # Swagger UI started (its script is a file) and drew the operations from the schema.
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=30_000)
    page.goto(f"{whitenoise_server}/admin/login/")
    page.wait_for_selector("#login-form")
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
def test_another_site_cannot_frame_the_doctor_page(whitenoise_server, browser):
    page = browser.new_page(viewport=DESKTOP)
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "frame-ancestors" in message.text else None)
    page.set_content(f'<iframe src="{whitenoise_server}/static/web/doctor.html" title="framed"></iframe>')
    page.wait_for_timeout(1000)
    assert blocked, "Chromium did not report the frame as refused"
    framed = page.frames[1]
    # Chromium shows its own error page in the frame instead of the doctor page.
    assert framed.url.startswith("chrome-error://"), (framed.url, framed.content()[:500])
    assert "doctor" not in framed.title().lower()
    page.close()
