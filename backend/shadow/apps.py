from django.apps import AppConfig


class ShadowConfig(AppConfig):
    name = "shadow"
    verbose_name = "Candidate models in shadow"
