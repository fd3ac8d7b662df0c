"""Celery application.

With CELERY_BROKER_URL unset, tasks run eagerly in the calling process so the embedded
default needs no broker. With it set, start workers with

    celery -A config worker -Q inference --concurrency 2   (from backend/)

Several workers on several hosts may consume the same queue: the tasks coordinate through
row locks in the database, never through worker-local state.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("healthcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
