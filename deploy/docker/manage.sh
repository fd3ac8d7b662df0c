#!/bin/sh
# `manage <command>` runs the app's manage.py from anywhere in the container, e.g.
#   docker compose exec web manage createsuperuser
cd /app/backend
exec python manage.py "$@"
