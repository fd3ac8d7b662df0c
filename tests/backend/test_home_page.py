"""The front page: the browser bundle, served by Django, reading with a shipped model."""
import json

from django.contrib.staticfiles import finders

from config.urls import IN_BROWSER_READING


def test_front_page_opens_the_in_browser_reading(anon_client):
    response = anon_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == IN_BROWSER_READING


def test_the_bundle_and_its_wasm_files_are_static_files():
    for name in ("demo.html", "demo.js", "tfjs-backend-wasm-simd.wasm"):
        assert finders.find(f"web/{name}"), f"web/dist/{name} is missing: run `npm run build` in web/"


def test_the_model_it_names_is_served(anon_client):
    model = IN_BROWSER_READING.split("model=")[1]
    response = anon_client.get(f"{model}/tfjs/model.json")
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content))["format"] == "graph-model"
