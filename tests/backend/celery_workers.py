"""Real Celery worker processes for tests: started against real Redis and the test database.

Each test run gets its own Redis key prefix and queue, so runs in parallel never see each
other's tasks.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[2]
BACKEND_DIR = REPO_ROOT / "backend"


@dataclass
class Broker:
    url: str
    prefix: str  # every Redis key of this run starts with it
    queue: str


def new_broker(url: str) -> Broker:
    run = uuid.uuid4().hex[:12]
    return Broker(url=url, prefix=f"test-{run}:", queue=f"inference-test-{run}")


@contextlib.contextmanager
def app_sending_to(broker: Broker):
    """Points this process's Celery app at the broker's private corner of Redis; afterwards points
    it back and deletes every key of that corner."""
    import redis

    from config.celery import app

    # The app reads Django's CELERY_* settings, so it is configured under those names.
    keys = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_TRANSPORT_OPTIONS")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        CELERY_BROKER_URL=broker.url,
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_BROKER_TRANSPORT_OPTIONS={"global_keyprefix": broker.prefix},
    )
    app._after_fork()  # drop connection pools made for the previous broker
    try:
        yield app
    finally:
        app.conf.update(saved)
        app._after_fork()
        client = redis.Redis.from_url(broker.url)
        for key in client.scan_iter(match=f"{broker.prefix}*"):
            client.delete(key)


def test_database_url() -> str:
    """The database the tests run on (pytest-django's test_<name>), for the worker processes."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    user = quote(db["USER"] or "", safe="")
    return f"postgres://{user}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A config worker` in its own process group, logging to a file."""

    def __init__(self, name: str, *, broker: Broker, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"worker-{name}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "-Q", broker.queue, "-n", f"{name}@%h", "--pool", "prefork", "--concurrency", "1",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": os.pathsep.join([str(BACKEND_DIR), str(REPO_ROOT)]),
            "DATABASE_URL": test_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker.url,
            "CELERY_KEY_PREFIX": broker.prefix,
            "INFERENCE_QUEUE": broker.queue,
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **env,
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=BACKEND_DIR, env=worker_env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> "Worker":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"worker {self.name} not ready after {timeout} s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crashed host would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown: finish the current task
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
