"""Server readings through the real path against a naive baseline, on the real chest X-rays.

    .venv/bin/python -m bench.server_inference [--requests 200] [--workers 1] [--concurrency 2]
        [--latency-samples 20] [--baseline-requests 40] [--model chest-xray-pneumonia]

Real path: POST /api/v1/cases/<id>/server-readings/ (Django's test client, in this process) ->
Redis -> Celery worker processes started here -> PostgreSQL. Baseline: what a naive web view
would do, in this process: per request read the stored file, decode it, call Keras
`model.predict` on the SavedModel and store the reading. HTTP is not counted for the baseline,
which flatters it.

Phases, each reported:
  throughput  all requests sent at once; images/second = readings stored / time from the first
              request to the last stored result; latency = request accepted -> result stored,
              so it includes the time spent queued behind the burst.
  latency     one request at a time, each waited for: the latency a lone user sees.
  baseline    one request at a time (a web process handles one request per thread).

Creates a scratch PostgreSQL database (from DATABASE_URL, default the local server) and a private
Redis key prefix and queue (CELERY_BROKER_URL, default redis://127.0.0.1:6379/0), and removes
them, the workers and the uploaded files at the end. Images: $MEDICAL_DATA_DIR/chest_xray_kermany
(default <repo>/../shared/data). Models: $MODEL_PACKAGES_DIR (default <repo>/exported_models).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BACKEND = REPO / "backend"
DATA_DIR = Path(os.environ.get("MEDICAL_DATA_DIR", REPO.parent / "shared" / "data"))


def percentile_ms(seconds: list[float], q: float) -> float:
    return float(np.percentile(np.array(seconds) * 1000, q))


def summary(name: str, count: int, elapsed: float, latencies: list[float]) -> dict:
    row = {
        "name": name,
        "images": count,
        "images_per_s": count / elapsed,
        "p50_ms": percentile_ms(latencies, 50),
        "p99_ms": percentile_ms(latencies, 99),
    }
    print(
        f"{name:<28} {count:>5} images  {row['images_per_s']:8.1f} images/s  "
        f"p50 {row['p50_ms']:8.1f} ms  p99 {row['p99_ms']:8.1f} ms",
        flush=True,
    )
    return row


def scratch_database(base_url: str) -> tuple[str, str]:
    """Creates an empty database next to the one in `base_url`; returns (its URL, its name)."""
    import psycopg

    parsed = urlparse(base_url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path=f"/{name}")), name


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    admin_url = urlunparse(urlparse(base_url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_workers(count: int, concurrency: int, env: dict, log_dir: Path) -> list[subprocess.Popen]:
    workers = []
    for index in range(count):
        log = (log_dir / f"worker-{index}.log").open("wb")
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", env["INFERENCE_QUEUE"],
            "-n", f"bench{index}@%h", "--concurrency", str(concurrency), "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        workers.append(
            subprocess.Popen(
                command, cwd=BACKEND, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="server readings in the throughput phase")
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--latency-samples", type=int, default=20, help="one-at-a-time server readings")
    parser.add_argument("--baseline-requests", type=int, default=40, help="naive model.predict requests")
    parser.add_argument("--model", default="chest-xray-pneumonia")
    args = parser.parse_args()

    files = sorted((DATA_DIR / "chest_xray_kermany").glob("*/*.jpeg"))
    if not files:
        sys.exit(f"no X-rays found under {DATA_DIR / 'chest_xray_kermany'} (set MEDICAL_DATA_DIR)")
    base_db = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/healthcare")
    broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    run = uuid.uuid4().hex[:10]
    scratch = Path(tempfile.mkdtemp(prefix="bench-server-inference-"))
    db_url, db_name = scratch_database(base_db)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": os.pathsep.join([str(BACKEND), str(REPO)]),
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_KEY_PREFIX": f"bench-{run}:",
        "INFERENCE_QUEUE": f"inference-bench-{run}",
        "DJANGO_DATA_DIR": str(scratch),
        "MEDIA_ROOT": str(scratch / "media"),
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # One user sends every request here; the per-user limit is for people, not this load.
        "SERVER_READING_THROTTLE_RATE": "1000000/hour",
    }
    os.environ.update(env)
    sys.path[:0] = [str(BACKEND), str(REPO)]
    workers: list[subprocess.Popen] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        workers = start_workers(args.workers, args.concurrency, env, scratch)
        rows = run_benchmark(args, files)
    finally:
        stop_workers(workers)
        from django.db import connections

        connections.close_all()
        drop_database(base_db, db_name)
        import redis

        client = redis.Redis.from_url(broker)
        for key in client.scan_iter(match=f"bench-{run}:*"):
            client.delete(key)
        subprocess.run(["rm", "-rf", str(scratch)], check=False)
    server, baseline = rows["server"], rows["baseline"]
    print(
        f"\nthroughput ratio (server path / naive baseline): {server['images_per_s'] / baseline['images_per_s']:.1f}x "
        f"on {os.cpu_count()} CPU cores, {args.workers} worker(s) x {args.concurrency} process(es)"
    )


def run_benchmark(args, files: list[Path]) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from accounts.models import Role, User
    from cases.services import case_create, case_submit
    from imaging.services import image_upload
    from readings.models import Reading, ReadingStatus

    patient = User.objects.create_user(username="bench-patient", password="Bench-pass-12345", role=Role.PATIENT)
    case = case_create(created_by=patient, patient=patient, title="benchmark")
    images = [
        image_upload(case=case, uploaded_by=patient, file=SimpleUploadedFile(f.name, f.read_bytes())) for f in files
    ]
    case_submit(case=case, submitted_by=patient)
    client = Client()
    client.force_login(patient)
    url = f"/api/v1/cases/{case.pk}/server-readings/"

    def request(image) -> int:
        response = client.post(url, {"image": image.pk, "model_name": args.model}, content_type="application/json")
        assert response.status_code == 202, response.content[:300]
        return response.json()["id"]

    def wait(ids: list[int], timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while Reading.objects.filter(pk__in=ids, status=ReadingStatus.PENDING).exists():
            if time.monotonic() > deadline:
                sys.exit("timed out waiting for the workers; see their logs")
            time.sleep(0.02)
        failed = list(Reading.objects.filter(pk__in=ids, status=ReadingStatus.FAILED).values_list("error", flat=True))
        if failed:
            sys.exit(f"{len(failed)} readings failed, e.g. {failed[0]}")

    print(f"{len(images)} real X-rays ({DATA_DIR / 'chest_xray_kermany'}), model {args.model}", flush=True)
    # Warm-up: every pool process loads the model once, on its first reading.
    warm = [request(images[i % len(images)]) for i in range(4 * args.workers * args.concurrency)]
    wait(warm)

    rows = {}
    ids = [request(images[i % len(images)]) for i in range(args.requests)]
    wait(ids)
    readings = Reading.objects.filter(pk__in=ids)
    # Both stamps come from this host's clock: the web process creates the row, a worker completes it.
    elapsed = (max(r.completed_at for r in readings) - min(r.created_at for r in readings)).total_seconds()
    latencies = [(r.completed_at - r.created_at).total_seconds() for r in readings]
    rows["server"] = summary("server path, burst", len(ids), elapsed, latencies)

    latencies = []
    for i in range(args.latency_samples):
        sent = time.monotonic()
        wait([request(images[i % len(images)])])
        latencies.append(time.monotonic() - sent)
    summary("server path, one at a time", len(latencies), sum(latencies), latencies)

    rows["baseline"] = naive_baseline(args, case, images, patient)
    return rows


def naive_baseline(args, case, images, patient) -> dict:
    """A web view that decodes and calls `model.predict` per request, in the web process."""
    import keras
    from django.core.files.storage import default_storage

    from inference.decision import decide
    from inference.runtime import Prediction
    from inference.selectors import model_active_get
    from readings.models import RunsOn
    from readings.services import reading_record
    from training.decoding import decode_image_bytes

    package = model_active_get(args.model)
    layer = keras.layers.TFSMLayer(str(package.saved_model_dir), call_endpoint="serve")
    inputs = keras.Input(shape=(None, None, package.channels), dtype="uint8")
    model = keras.Model(inputs, layer(inputs))

    def handle(image) -> None:
        with default_storage.open(image.original.name, "rb") as stream:
            pixels = decode_image_bytes(stream.read(), package.channels)
        started = time.perf_counter()
        outputs = model.predict(pixels[None], verbose=0)
        prediction = Prediction(
            probabilities=[float(p) for p in outputs["probabilities"][0]],
            heatmaps=np.clip(outputs["heatmaps"][0], 0, 1),
            latency_ms=(time.perf_counter() - started) * 1000,
        )
        decision = decide(package, prediction)
        reading_record(
            case=case,
            image=image,
            recorded_by=patient,
            model_name=package.name,
            model_version=package.version,
            runs_on=RunsOn.SERVER,
            probabilities=decision.probabilities,
            label=decision.label,
            score=decision.score,
            threshold=decision.threshold,
            heatmap=decision.heatmap,
            latency_ms=prediction.latency_ms,
        )

    handle(images[0])  # warm-up: the first predict builds the function
    latencies = []
    for i in range(args.baseline_requests):
        started = time.monotonic()
        handle(images[i % len(images)])
        latencies.append(time.monotonic() - started)
    return summary("naive model.predict in web", len(latencies), sum(latencies), latencies)


if __name__ == "__main__":
    main()
