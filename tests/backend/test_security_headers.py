"""Content-Security-Policy and X-Frame-Options on every HTML response: the app pages (served by
WhiteNoise from web/dist), the front page's redirect, the API docs, DRF's browsable API, the
Django admin and the error pages."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from clinic_factories import client_for
from config.security_headers import APP_PAGES_POLICY, DJANGO_HTML_POLICY, POLICY

WEB_SRC = Path(__file__).resolve().parents[2] / "web" / "src"
APP_PAGES = sorted(WEB_SRC.glob("*.html"))


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


def assert_framing_refused(response, policy: str = POLICY) -> None:
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Security-Policy"] == policy
    found = directives(response["Content-Security-Policy"])
    assert found["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in found["script-src"] and "'unsafe-eval'" not in found["script-src"]


@pytest.fixture
def whitenoise_client(settings):
    """A client whose WhiteNoise serves web/dist from the finders, as `runserver` does without
    `collectstatic` (WhiteNoise reads its settings when the client's middleware is first loaded)."""
    settings.WHITENOISE_USE_FINDERS = True
    return Client()


@pytest.mark.parametrize("page", [p.name for p in APP_PAGES])
def test_the_app_pages_served_by_whitenoise_refuse_framing_and_inline_script(whitenoise_client, page):
    assert finders.find(f"web/{page}"), f"web/dist/{page} is missing: run `npm run build` in web/"
    response = whitenoise_client.get(f"/static/web/{page}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_framing_refused(response)


def test_the_bundles_they_load_carry_the_policy_too(whitenoise_client):
    for name in ("portal.js", "app.css", "tfjs-backend-wasm-simd.wasm"):
        response = whitenoise_client.get(f"/static/web/{name}")
        assert response.status_code == 200, name
        assert_framing_refused(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, status, policy",
    [
        ("/", 302, DJANGO_HTML_POLICY),  # the front page's redirect to the portal
        ("/admin/login/", 200, DJANGO_HTML_POLICY),
        ("/no-such-page/", 404, DJANGO_HTML_POLICY),
        ("/api/v1/health/", 200, DJANGO_HTML_POLICY),  # DRF's browsable API
        ("/api/v1/no-such-endpoint/", 404, POLICY),  # JSON
    ],
)
def test_django_answers_refuse_framing(anon_client, path, status, policy):
    response = anon_client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == status
    assert_framing_refused(response, policy)


@pytest.mark.django_db
def test_the_browsable_api_refuses_framing(alice):
    response = client_for(alice).get("/api/v1/cases/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert_framing_refused(response, DJANGO_HTML_POLICY)
    assert client_for(alice).get("/api/v1/cases/")["Content-Security-Policy"] == POLICY  # JSON


@pytest.mark.django_db
def test_the_api_docs_have_no_inline_script(anon_client):
    response = anon_client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert_framing_refused(response, DJANGO_HTML_POLICY)
    page = Tags(response.content.decode())
    assert page.inline_scripts == []
    start_up = [src for src in page.script_sources if "script" in src.split("?", 1)[-1]]
    assert len(start_up) == 1, page.script_sources
    script = anon_client.get(start_up[0].replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


class Tags(HTMLParser):
    """The <script>, <style>, inline handlers and CSP <meta> of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.script_sources: list[str] = []
        self.inline_scripts: list[int] = []
        self.styles = 0
        self.style_attributes: list[str] = []
        self.handlers: list[str] = []
        self.csp_meta: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.script_sources.append(attributes["src"])
            elif attributes.get("type") != "application/json":
                self.inline_scripts.append(self.getpos()[0])
        if tag == "style":
            self.styles += 1
        if "style" in attributes:
            self.style_attributes.append(tag)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp_meta.append(attributes.get("content") or "")


@pytest.mark.parametrize("page", APP_PAGES, ids=[p.name for p in APP_PAGES])
def test_the_app_pages_need_no_unsafe_inline(page):
    """No inline script, style block, style attribute or event handler: the policy allows none."""
    tags = Tags(page.read_text(encoding="utf-8"))
    assert tags.inline_scripts == [], f"inline <script> at lines {tags.inline_scripts}"
    assert tags.styles == 0, "move the <style> block into a .css file"
    assert tags.style_attributes == [] and tags.handlers == []
    assert all(re.fullmatch(r"\./[\w-]+\.js", src) for src in tags.script_sources), tags.script_sources


@pytest.mark.parametrize("page", APP_PAGES, ids=[p.name for p in APP_PAGES])
def test_the_app_pages_carry_the_policy_however_they_are_served(page):
    """The <meta> policy holds where no server adds the header (a test server, a file copy)."""
    assert Tags(page.read_text(encoding="utf-8")).csp_meta == [APP_PAGES_POLICY]
