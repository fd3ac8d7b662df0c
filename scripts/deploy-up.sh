#!/usr/bin/env bash
# Brings the product up with Docker Compose on this server (docker-compose.yaml), in one command:
# makes the secret files that are missing (random, under SECRETS_DIR), builds the images, starts
# every service and waits until all are healthy, then says where to sign in and how to make the
# first admin. Safe to run again: existing secrets and data are kept.
#   scripts/deploy-up.sh                 # or: scripts/deploy-up.sh --profile gpu
# Any arguments go to `docker compose` before `up` (e.g. --profile gpu, -f an override file).
set -euo pipefail
cd "$(dirname "$0")/.."

secrets_dir=${SECRETS_DIR:-./deploy/docker/secrets}
export SECRETS_DIR=$secrets_dir

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

make_secret() {  # name, value: written once, never overwritten
  local file="$secrets_dir/$1"
  if [ ! -s "$file" ]; then
    printf '%s' "$2" > "$file"
    echo "deploy-up: made the secret $file"
  fi
  # Readable inside the containers (their processes do not run as this user); the directory is
  # what keeps other users of this server out.
  chmod 0444 "$file"
}

mkdir -p "$secrets_dir"
chmod 0700 "$secrets_dir"
make_secret django_secret_key "$(random_hex 48)"
make_secret database_password "$(random_hex 24)"
make_secret object_storage_access_key "healthcare$(random_hex 6)"
make_secret object_storage_secret_key "$(random_hex 24)"
# Encrypts uploaded originals at rest. Losing it loses every uploaded image: back it up apart from the data.
make_secret upload_encryption_key "$(random_hex 32)"
make_secret metrics_token "$(random_hex 24)"

# DEPLOY_UP_BUILD=false starts images built beforehand (scripts/test-deploy.sh builds its own).
if [ "${DEPLOY_UP_BUILD:-true}" != "false" ]; then
  if [ ! -d web/dist ]; then
    echo "deploy-up: web/dist is missing; building the browser app (needs Node.js and npm)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
  fi
  docker compose "$@" build
fi
docker compose "$@" up --detach --wait

base_url=${PUBLIC_BASE_URL:-https://localhost}
cat <<MSG

The product is up; every service is healthy (docker compose ps).
  Sign in:        $base_url/   (this server: http://${WEB_BIND:-127.0.0.1}:${WEB_PORT:-8000}/ behind your TLS proxy)
  First admin:    docker compose exec web manage createsuperuser
                  then sign in at $base_url/admin/ and add doctors (or invite them from the app)
  Metrics:        http://${PROMETHEUS_BIND:-127.0.0.1}:${PROMETHEUS_PORT:-9090}/ (Prometheus)
  Logs, stop:     docker compose logs -f web worker;  docker compose down  (data stays in the volumes)
  Secrets:        $secrets_dir (back up upload_encryption_key apart from the data)
MSG
