"""Prometheus metrics: /metrics on the web app and on each Celery worker.

The reading test runs a real server reading through Redis and a real worker process, then reads
both endpoints with prometheus_client's own parser.
"""

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from celery_workers import wait_until
from clinic_factories import client_for
from inference_cases import case_with_images, xray_files
from model_packages import CHEST, shipped_package
from readings.models import Reading
from real_workers import broker, free_port, start_worker  # noqa: F401 (fixtures)

READING_TASK = "inference.tasks.run_reading"


def samples(text: str) -> list:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(text: str, name: str, **labels: str) -> float | None:
    """The value of the one sample called `name` whose labels include `labels`; None when there is none."""
    found = [s.value for s in samples(text) if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) <= 1, f"{len(found)} samples of {name} with {labels}"
    return found[0] if found else None


def scrape(client, **extra) -> str:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_requests_are_counted_by_view_method_and_status_never_by_path(db, alice):
    client = client_for(alice)
    before = scrape(client)  # counts of this process, which earlier tests may have used
    before_list = value(before, "healthcare_http_requests_total", view="case-list", method="GET", status="200") or 0
    before_404 = value(before, "healthcare_http_requests_total", view="case-detail", method="GET", status="404") or 0
    before_timed = value(before, "healthcare_http_request_duration_seconds_count", view="case-list", method="GET") or 0
    for _ in range(3):
        assert client.get("/api/v1/cases/").status_code == 200
    assert client.get("/api/v1/cases/424242/").status_code == 404
    text = scrape(client)
    listed = {"view": "case-list", "method": "GET"}
    assert value(text, "healthcare_http_requests_total", **listed, status="200") == before_list + 3
    assert value(text, "healthcare_http_requests_total", view="case-detail", method="GET", status="404") == before_404 + 1
    assert value(text, "healthcare_http_request_duration_seconds_count", **listed) == before_timed + 3
    assert not [s for s in samples(text) if any("424242" in label for label in s.labels.values())]


def test_metrics_want_the_bearer_token_when_one_is_set(db, settings, anon_client):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert anon_client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 401
    wrong = anon_client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Bearer")
    right = anon_client.get("/metrics", REMOTE_ADDR="93.184.216.34", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert right.status_code == 200 and b"healthcare_http_requests" in right.content


def test_without_a_token_only_internal_addresses_that_came_through_no_proxy_may_read_them(db, settings, anon_client):
    settings.METRICS_TOKEN = ""
    assert anon_client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert anon_client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert anon_client.get("/metrics", REMOTE_ADDR="93.184.216.34").status_code == 403
    proxied = anon_client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="93.184.216.34")
    assert proxied.status_code == 403


def test_metrics_answer_whatever_host_a_scraper_names_and_over_plain_http(db, settings, anon_client):
    settings.ALLOWED_HOSTS = ["imaging.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    assert anon_client.get("/metrics", REMOTE_ADDR="10.0.0.7", HTTP_HOST="web:8000").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_server_reading_shows_on_the_web_and_worker_metrics(
    start_worker, settings, shipped_models, medical_data_dir, alice, bob
):
    settings.METRICS_CACHE_SECONDS = 0
    worker_port = free_port()
    worker = start_worker("metrics", WORKER_METRICS_PORT=str(worker_port)).wait_ready()
    package = shipped_package(shipped_models)
    [xray] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[xray])
    before = scrape(client_for(bob))
    assert value(before, "healthcare_readings_total", model=CHEST, source="server") is None
    assert value(before, "healthcare_workers", queue=settings.INFERENCE_QUEUE) == 1

    response = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk, "model_name": CHEST}, format="json"
    )
    assert response.status_code == 202
    reading_id = response.json()["id"]
    wait_until(
        lambda: Reading.objects.get(pk=reading_id).status not in ("pending", "running"),
        timeout=90,
        what="the worker to store the reading",
    )
    assert Reading.objects.get(pk=reading_id).status == "succeeded"

    text = scrape(client_for(bob))
    labels = {"model": CHEST, "version": package.version, "source": "server"}
    assert value(text, "healthcare_readings_total", **labels, outcome="succeeded") == 1
    assert value(text, "healthcare_readings_total", **labels, outcome="failed") is None
    assert value(text, "healthcare_gate_refusals_total", **labels) is None
    assert value(text, "healthcare_readings_open", model=CHEST, status="pending") is None
    assert value(text, "healthcare_oldest_open_reading_age_seconds") == 0
    assert value(text, "healthcare_celery_queue_length", queue=settings.INFERENCE_QUEUE) == 0
    # Counted by this process, which earlier tests may have used too: one more than before.
    posted = {"view": "case-server-readings", "method": "POST", "status": "202"}
    assert value(text, "healthcare_http_requests_total", **posted) == (value(before, "healthcare_http_requests_total", **posted) or 0) + 1

    # The task ran in the pool's child process; the worker's main process serves its count.
    def worker_text():
        with urllib.request.urlopen(f"http://127.0.0.1:{worker_port}/metrics", timeout=5) as answer:
            return answer.read().decode()

    def counted():
        text = worker_text()
        return text if value(text, "healthcare_celery_tasks_total", task=READING_TASK, state="SUCCESS") else None

    text = wait_until(counted, timeout=10, what="the worker's metrics to count the task")
    assert value(text, "healthcare_celery_tasks_total", task=READING_TASK, state="SUCCESS") == 1
    assert value(text, "healthcare_celery_task_duration_seconds_count", task=READING_TASK, state="SUCCESS") == 1
    assert value(text, "healthcare_celery_task_duration_seconds_sum", task=READING_TASK, state="SUCCESS") > 0
    assert "worker metrics served on http://127.0.0.1:" in worker.log()
