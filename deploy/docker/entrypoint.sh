#!/bin/sh
# Starts one process of the app in its container (run from /app/backend):
#   web      migrate (unless MIGRATE_ON_START=false), collect static files, then gunicorn
#   worker   Celery consuming the inference queue
#   manage   any manage.py command, e.g. `docker compose run --rm web manage check --deploy`
#            (in a running container: `docker compose exec web manage createsuperuser`)
# Each exec's its server, so that docker's SIGTERM reaches gunicorn or Celery directly: gunicorn
# lets requests in flight finish (graceful_timeout), Celery's warm shutdown lets the running reading
# finish, and a reading killed before it finishes goes back to the queue (acks_late).
set -eu
role=${1:-web}
[ $# -gt 0 ] && shift

case "$role" in
  web)
    if [ "${MIGRATE_ON_START:-true}" = "true" ]; then
      python manage.py migrate --no-input
    fi
    python manage.py collectstatic --no-input --verbosity 0
    # Every gunicorn process writes its request counts here and /metrics adds them up
    # (config/metrics.py); emptied at each start so that counts of dead processes do not linger.
    export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-metrics}
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    exec gunicorn -c /app/deploy/gunicorn.conf.py config.wsgi "$@"
    ;;
  worker)
    exec celery -A config worker \
      --queues "${INFERENCE_QUEUE:-inference}" \
      --concurrency "${WORKER_CONCURRENCY:-1}" \
      --hostname "worker@%h" \
      --loglevel "${WORKER_LOG_LEVEL:-INFO}" \
      "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
