"""The front page: the patient portal, served by Django from the browser bundle."""
import json

import pytest

from django.contrib.staticfiles import finders

from config.urls import FAVICON, IN_BROWSER_READING, PATIENT_PORTAL


def test_front_page_opens_the_patient_portal(anon_client):
    response = anon_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == PATIENT_PORTAL


def test_the_portal_page_loads_its_bundle():
    path = finders.find(PATIENT_PORTAL.removeprefix("/static/"))
    assert path, f"{PATIENT_PORTAL} is not a static file: run `npm run build` in web/"
    with open(path, encoding="utf-8") as f:
        page = f.read()
    assert 'src="./portal.js"' in page
    assert "Sign in" in page and "Add to my case" in page


def test_favicon_ico_answers_with_the_products_icon(anon_client):
    response = anon_client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == FAVICON
    path = finders.find(FAVICON.removeprefix("/static/"))
    assert path, f"{FAVICON} is not a static file: run `npm run build` in web/"
    with open(path, encoding="utf-8") as f:
        assert f.read().lstrip().startswith("<svg")


def test_every_page_names_the_product_and_links_its_icon():
    for name in ("portal.html", "doctor.html", "admin.html", "queue.html", "demo.html", "invitation.html", "reset.html"):
        with open(finders.find(f"web/{name}"), encoding="utf-8") as f:
            page = f.read()
        assert "Healthcare Image Analysis</title>" in page, name
        assert '<link rel="icon" href="./favicon.svg" type="image/svg+xml">' in page, name


def test_the_bundles_and_their_wasm_files_are_static_files():
    for name in ("portal.html", "portal.js", "demo.html", "demo.js", "tfjs-backend-wasm-simd.wasm"):
        assert finders.find(f"web/{name}"), f"web/dist/{name} is missing: run `npm run build` in web/"


@pytest.mark.django_db
def test_every_model_the_demo_lists_is_served_in_its_active_version(anon_client):
    assert "?" not in IN_BROWSER_READING  # the page names no model: it lists what is installed
    listed = anon_client.get("/api/v1/models/")
    assert listed.status_code == 200
    active = [m for m in listed.json() if m["active"]]
    assert sorted(m["name"] for m in active) == sorted({m["name"] for m in listed.json()})
    for model in active:
        response = anon_client.get(model["tfjs_model_url"])
        assert response.status_code == 200, model["name"]
        assert json.loads(b"".join(response.streaming_content))["format"] == "graph-model"
