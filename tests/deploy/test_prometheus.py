"""deploy/prometheus/: the scrape configuration and the alert rules, checked by Prometheus's promtool.

promtool comes with Debian's `prometheus` package (scripts/test.sh installs it). Without it these
tests skip, except under CI, where they fail.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.unavailable import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO_ROOT / "deploy" / "prometheus"
METRICS_SOURCES = [
    REPO_ROOT / "backend" / "config" / "metrics.py",
    REPO_ROOT / "backend" / "config" / "metrics_worker.py",
    REPO_ROOT / "backend" / "drift" / "metrics.py",
]


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        skip_or_fail("promtool not installed (Debian package `prometheus`; scripts/test.sh installs it)")
    return found


def run(*command: str, cwd: Path = PROMETHEUS) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_scrape_configuration_is_valid_and_scrapes_the_web_app_and_the_workers(promtool, tmp_path):
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    [web] = [job for job in config["scrape_configs"] if job["job_name"] == "web"]
    # The compose stack mounts the web app's metrics token here; promtool wants the file to exist.
    assert web["authorization"] == {"type": "Bearer", "credentials_file": "/run/secrets/metrics_token"}
    token = tmp_path / "metrics_token"
    token.write_text("token\n")
    text = (PROMETHEUS / "prometheus.yml").read_text().replace("/run/secrets/metrics_token", str(token))
    (tmp_path / "prometheus.yml").write_text(text)
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    assert "SUCCESS" in run(promtool, "check", "config", "prometheus.yml", cwd=tmp_path)
    targets = {
        job["job_name"]: (job["metrics_path"], [t for static in job["static_configs"] for t in static["targets"]])
        for job in config["scrape_configs"]
    }
    assert targets == {"web": ("/metrics", ["web:8000"]), "worker": ("/metrics", ["worker:9808"])}


def test_the_alert_rules_are_valid(promtool):
    assert "SUCCESS: 8 rules found" in run(promtool, "check", "rules", "alerts.yml")


def test_each_alert_fires_when_it_should_and_only_then(promtool):
    assert "SUCCESS" in run(promtool, "test", "rules", "alerts_test.yml")
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"][0]["rules"]
    tested = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())["tests"]
    fired = {check["alertname"] for test in tested for check in test["alert_rule_test"] if check["exp_alerts"]}
    assert fired == {rule["alert"] for rule in rules}, "every alert has a test in which it fires"


def test_the_rules_use_only_metrics_the_app_serves():
    served = set()
    for source in METRICS_SOURCES:
        for name in re.findall(r'"(healthcare_[a-z_]+)"', source.read_text()):
            served |= {name, f"{name}_total", f"{name}_count", f"{name}_sum", f"{name}_bucket"}
    used = set(re.findall(r"\bhealthcare_[a-z_]+", (PROMETHEUS / "alerts.yml").read_text()))
    assert used and used <= served, f"not served: {sorted(used - served)}"
