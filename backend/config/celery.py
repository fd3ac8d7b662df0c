"""Celery application.

With CELERY_BROKER_URL unset, tasks run eagerly in the calling process so the embedded
default needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("healthcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
