from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"

    def ready(self) -> None:
        # Registers the workers' remote-control command that the health check calls.
        from inference import worker_health  # noqa: F401
