import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

from config.request_size import AsgiBodyLimit  # noqa: E402  (after Django is set up)

application = AsgiBodyLimit(django_application)
