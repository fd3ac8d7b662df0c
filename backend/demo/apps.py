from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data only (`manage.py seed_demo`): nothing else imports this app."""

    name = "demo"
