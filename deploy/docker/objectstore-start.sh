#!/bin/sh
# Starts SeaweedFS (master, volume, filer and the S3 API on 8333) in the objectstore container,
# with the S3 key pair read from the compose secrets: the keys never appear in the compose file,
# the environment or the process list. Buckets are created on first write.
set -eu
access_key=$(cat /run/secrets/object_storage_access_key)
secret_key=$(cat /run/secrets/object_storage_secret_key)
umask 077
config=/tmp/s3.json
printf '{"identities":[{"name":"healthcare","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
  "$access_key" "$secret_key" > "$config"
# Every part runs in this one container, so they find each other on 127.0.0.1; only the S3 port
# is used by the other services.
exec weed server -ip=127.0.0.1 -ip.bind=0.0.0.0 -dir=/data -volume.max=0 \
  -s3 -s3.port=8333 -s3.config="$config"
