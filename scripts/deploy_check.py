"""HTTP checks of a running Docker Compose deployment, called step by step by scripts/test-deploy.sh.

Each step talks to the published API only, as a browser behind the hospital's TLS proxy would
(X-Forwarded-Proto: https), and keeps what later steps need (ids, the patient's token, the
uploaded file's SHA-256) in a JSON state file. A failed check exits non-zero with the reason.

    deploy_check.py --base http://127.0.0.1:8000 --state state.json health
    deploy_check.py ... flow --doctor-name "Dr ..." --image path.jpeg
    deploy_check.py ... stored-original --listing objects.json --encrypted
    deploy_check.py ... reading-request
    deploy_check.py ... reading-done
    deploy_check.py ... metrics --token-file secrets/metrics_token
    deploy_check.py ... prometheus --prometheus http://127.0.0.1:9090
    deploy_check.py ... persisted
"""

import argparse
import hashlib
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

CHEST_MODEL = "chest-xray-pneumonia"


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Api:
    def __init__(self, base: str, token: str = ""):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, *, body=None, raw: bytes | None = None, content_type: str = "",
             headers: dict | None = None, expected: tuple[int, ...] = (200,)):
        data = raw
        all_headers = {"X-Forwarded-Proto": "https", "Accept": "application/json", **(headers or {})}
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        elif content_type:
            all_headers["Content-Type"] = content_type
        if self.token and "Authorization" not in all_headers:
            all_headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        if status not in expected:
            raise CheckFailed(f"{method} {path}: {status}, expected {expected}: {payload[:500]!r}")
        return status, payload

    def json(self, method: str, path: str, **kwargs):
        _, payload = self.call(method, path, **kwargs)
        return json.loads(payload) if payload else None


def multipart(field: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def save(path: Path, state: dict) -> None:
    path.write_text(json.dumps(state, indent=2))


def check_health(api: Api, state: dict, args) -> None:
    """200 with the database, cache and broker up, a worker answering, and the chest model active."""
    deadline = time.monotonic() + args.timeout
    last = None
    while True:
        status, payload = api.call("GET", "/api/v1/health/", expected=(200, 503))
        last = json.loads(payload)
        checks = last.get("checks", {})
        ok = (
            status == 200
            and all(checks.get(name, {}).get("status") == "ok" for name in ("database", "cache", "broker"))
            and checks.get("workers", {}).get("status") == "ok"
            and checks.get("workers", {}).get("count", 0) >= 1
            and checks.get("models", {}).get("status") == "ok"
            and any(m.startswith(CHEST_MODEL + "@") for m in checks.get("models", {}).get("active", []))
        )
        if ok:
            expect(checks["database"].get("vendor") == "postgresql", f"database is not PostgreSQL: {checks}")
            print(f"health: 200, database postgresql, broker ok, {checks['workers']['count']} worker(s), "
                  f"models {', '.join(checks['models']['active'])}")
            return
        if time.monotonic() > deadline:
            raise CheckFailed(f"health not complete after {args.timeout} s: {status} {last}")
        time.sleep(2)


def check_flow(api: Api, state: dict, args) -> None:
    """A patient signs up, chooses the doctor, opens a chest X-ray case and uploads a real X-ray."""
    username = f"patient-{uuid.uuid4().hex[:8]}"
    password = f"Pw-{uuid.uuid4().hex}"
    api.json("POST", "/api/v1/auth/register/", expected=(201,), body={
        "username": username, "email": f"{username}@example.org", "password": password,
        "first_name": "Deploy", "last_name": "Check",
    })
    token = api.json("POST", "/api/v1/auth/token/", expected=(201,), body={
        "username": username, "password": password, "name": "deployment check",
    })["key"]
    patient = Api(api.base, token)
    doctors = patient.json("GET", "/api/v1/doctors/")
    doctors = doctors["doctors"] if isinstance(doctors, dict) else doctors
    doctor = next((d for d in doctors if d["name"] == args.doctor_name), None)
    expect(doctor is not None, f"doctor {args.doctor_name!r} not in GET /doctors/: {doctors}")
    patient.json("POST", "/api/v1/care-relationships/", body={"doctor": doctor["id"]}, expected=(201,))
    case = patient.json("POST", "/api/v1/cases/", body={"title": "Cough for two weeks", "exam_type": "chest_xray"},
                        expected=(201,))
    content = Path(args.image).read_bytes()
    body, content_type = multipart("file", Path(args.image).name, content, "image/jpeg")
    image = patient.json("POST", f"/api/v1/cases/{case['id']}/images/", raw=body, content_type=content_type,
                         expected=(201,))
    sha256 = hashlib.sha256(content).hexdigest()
    expect(image["sha256"] == sha256, f"stored SHA-256 {image['sha256']} is not the upload's {sha256}")
    state.update(username=username, password=password, token=token, doctor=doctor["id"], case=case["id"],
                 image=image["id"], sha256=sha256, size=len(content), image_path=str(args.image))
    print(f"flow: patient {username} chose doctor {doctor['id']}, case {case['id']}, image {image['id']} "
          f"({len(content)} bytes, sha256 {sha256[:12]}...)")


def check_stored_original(api: Api, state: dict, args) -> None:
    """The object store holds the original (encrypted at rest when a key is configured)."""
    listing = json.loads(Path(args.listing).read_text())
    originals = [o for o in listing["objects"] if state["sha256"] in o["key"] and "original" in o["key"]]
    expect(originals, f"no original named by {state['sha256']} in bucket {listing['bucket']}: "
                      f"{[o['key'] for o in listing['objects']][:20]}")
    stored = originals[0]
    if args.encrypted:
        expect(stored["sha256"] != state["sha256"], f"{stored['key']} holds the plain upload, not encrypted")
        expect(not stored["head"].startswith("ffd8ff"), f"{stored['key']} starts like a JPEG: not encrypted")
    else:
        expect(stored["sha256"] == state["sha256"], f"{stored['key']} is not the upload")
    patient = Api(api.base, state["token"])
    _, served = patient.call("GET", f"/api/v1/images/{state['image']}/file/")
    expect(hashlib.sha256(served).hexdigest() == state["sha256"], "the served original differs from the upload")
    print(f"stored-original: s3://{listing['bucket']}/{stored['key']} ({stored['size']} bytes"
          f"{', encrypted' if args.encrypted else ''}); served back unchanged")


def _reading(patient: Api, state: dict) -> dict:
    return patient.json("GET", f"/api/v1/readings/{state['reading']}/")


def check_reading_request(api: Api, state: dict, args) -> None:
    """Asks a server reading of the uploaded X-ray (the worker picks it up at once)."""
    patient = Api(api.base, state["token"])
    reading = patient.json("POST", f"/api/v1/cases/{state['case']}/server-readings/", body={"image": state["image"]},
                           expected=(202,))
    expect(reading["status"] == "pending", f"a new server reading is {reading['status']}, not pending")
    state["reading"] = reading["id"]
    print(f"reading-request: reading {reading['id']} queued")


def check_reading_done(api: Api, state: dict, args) -> None:
    patient = Api(api.base, state["token"])
    deadline = time.monotonic() + args.timeout
    while True:
        reading = _reading(patient, state)
        if reading["status"] not in ("pending", "running"):
            break
        expect(time.monotonic() < deadline, f"reading {state['reading']} still {reading['status']} after "
                                            f"{args.timeout} s")
        time.sleep(1)
    expect(reading["status"] == "succeeded", f"reading ended {reading['status']}: {reading.get('error')}")
    expect(reading["runs_on"] == "server" and reading["model_name"] == CHEST_MODEL, f"unexpected reading {reading}")
    expect(str(reading["backend"]).startswith("tensorflow-"), f"not read by TensorFlow: {reading['backend']}")
    state["reading_result"] = {k: reading[k] for k in ("status", "label", "score", "probabilities", "model_version")}
    print(f"reading-done: reading {reading['id']} {reading['status']} by {reading['backend']} "
          f"{reading['model_name']}@{reading['model_version']}: {reading['label']} ({reading['score']:.4f})")


def metric_lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def check_metrics(api: Api, state: dict, args) -> None:
    """/metrics (with the token) counts the server reading; it may keep its numbers a few seconds."""
    token = Path(args.token_file).read_text().strip()
    api.call("GET", "/metrics", expected=(401, 403))
    deadline = time.monotonic() + args.timeout
    while True:
        _, payload = api.call("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
        text = payload.decode()
        readings = [line for line in metric_lines(text, "healthcare_readings_total{")
                    if f'model="{CHEST_MODEL}"' in line and 'source="server"' in line and 'outcome="succeeded"' in line]
        if readings and sum(float(line.rsplit(" ", 1)[1]) for line in readings) >= 1:
            break
        expect(time.monotonic() < deadline, f"/metrics counts no server reading of {CHEST_MODEL}: "
                                            f"{metric_lines(text, 'healthcare_readings')[:10]}")
        time.sleep(2)
    print(f"metrics: refused without the token, with it: {readings[0]}")


def check_prometheus(api: Api, state: dict, args) -> None:
    """Prometheus scrapes the web app and the worker (every target up)."""
    deadline = time.monotonic() + args.timeout
    while True:
        with urllib.request.urlopen(f"{args.prometheus}/api/v1/targets", timeout=10) as response:
            targets = json.loads(response.read())["data"]["activeTargets"]
        health = {t["labels"].get("job", "?") + "/" + t["labels"].get("instance", "?"): t["health"] for t in targets}
        if targets and all(h == "up" for h in health.values()):
            print(f"prometheus: all targets up: {', '.join(sorted(health))}")
            return
        if time.monotonic() > deadline:
            errors = {t["scrapeUrl"]: t.get("lastError") for t in targets if t["health"] != "up"}
            raise CheckFailed(f"Prometheus targets not all up after {args.timeout} s: {health} {errors}")
        time.sleep(3)


def check_persisted(api: Api, state: dict, args) -> None:
    """After `down` and `up`: the same token, case, image bytes and reading."""
    patient = Api(api.base, state["token"])
    case = patient.json("GET", f"/api/v1/cases/{state['case']}/")
    expect(case["id"] == state["case"], f"case {state['case']} lost")
    _, served = patient.call("GET", f"/api/v1/images/{state['image']}/file/")
    expect(hashlib.sha256(served).hexdigest() == state["sha256"], "the image's bytes changed across down/up")
    reading = _reading(patient, state)
    kept = {k: reading[k] for k in state["reading_result"]}
    expect(kept == state["reading_result"], f"reading changed across down/up: {kept} != {state['reading_result']}")
    print(f"persisted: case {state['case']}, image {state['image']} (sha256 unchanged), reading {state['reading']} "
          "kept across down and up")


STEPS = {
    "health": check_health,
    "flow": check_flow,
    "stored-original": check_stored_original,
    "reading-request": check_reading_request,
    "reading-done": check_reading_done,
    "metrics": check_metrics,
    "prometheus": check_prometheus,
    "persisted": check_persisted,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the web app's published address")
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--doctor-name", default="")
    parser.add_argument("--image", default="")
    parser.add_argument("--listing", default="")
    parser.add_argument("--encrypted", action="store_true")
    parser.add_argument("--token-file", default="")
    parser.add_argument("--prometheus", default="")
    args = parser.parse_args()
    state = load(args.state)
    try:
        STEPS[args.step](Api(args.base), state, args)
    except CheckFailed as exc:
        print(f"deploy check {args.step} FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        save(args.state, state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
