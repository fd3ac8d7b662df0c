"""Gunicorn settings for the web container, read from the environment.

    gunicorn -c deploy/gunicorn.conf.py config.wsgi   (from backend/)

Sync workers: each request holds one process, and an upload is read, checked and stored within
it. Several processes per container, several containers behind the proxy for more.
"""

import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1)
threads = _int("GUNICORN_THREADS", 1)
# A request that takes longer than this (an upload on a slow link counts) is killed and logged.
timeout = _int("GUNICORN_TIMEOUT", 120)
# On SIGTERM (docker stop, a rolling update) requests in flight have this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle processes now and then so that a slow leak never takes a container down.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Access log and errors on stdout/stderr, where `docker compose logs` finds them. The access log
# names the path (ids, never names) and not the query string's values beyond what the URL holds.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
# The proxy in front of the container sets X-Forwarded-*; NUM_PROXIES tells Django how far to trust it.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def child_exit(server, worker):
    """A gunicorn process that ended leaves its counts behind for /metrics, but no live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
