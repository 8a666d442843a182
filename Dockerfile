# syntax=docker/dockerfile:1
# codeartifact-refresher in a container: the daemon (`run`, the default) as a sidecar, or a one-shot
# `refresh` as an init container, writing credentials into a directory it shares with a build.
# docs/containers.md has the whole story; in short:
#   docker build -t codeartifact-refresher .
#   docker run --read-only -v "$PWD/deploy/compose/config:/etc/codeartifact-refresher:ro" -v creds:/creds codeartifact-refresher
#
# It runs as uid 10001 (no passwd entry: none is needed), with a read-only root file system and a
# read-only HOME. The config is read from /etc/codeartifact-refresher/config.yaml; the files it
# writes go where the config says (configs/sidecar.yaml: the shared directory /creds, which
# also holds the state file and, since HOME cannot be written, the lock directory).

# The build stage: the wheel of this checkout, installed with its dependencies at the versions CI
# tests (.ci/constraints.txt) into a venv without pip, which the final stage copies whole. With the
# [kubernetes] extra: the image also runs as deploy/kubernetes/secret's replicas (secret: targets,
# leader election); only configs with secret: targets ever import it.
FROM python:3.12.12-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY daemon/ daemon/
COPY .ci/constraints.txt /tmp/constraints.txt
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/wheels . \
 && python -m venv --without-pip /opt/codeartifact-refresher \
 && wheel=$(echo /tmp/wheels/*.whl) \
 && python -m pip --python /opt/codeartifact-refresher/bin/python install --no-cache-dir \
        --constraint /tmp/constraints.txt "${wheel}[kubernetes]"

# The final stage: the slim base, the venv, and nothing to write into.
FROM python:3.12.12-slim-bookworm
# the version is pyproject.toml's (tests/unit/test_deploy.py keeps them equal)
LABEL org.opencontainers.image.title="codeartifact-refresher" \
      org.opencontainers.image.description="Keeps AWS CodeArtifact tokens fresh in the config files package managers already read" \
      org.opencontainers.image.source="https://github.com/codeartifact-refresher/codeartifact-refresher" \
      org.opencontainers.image.documentation="https://github.com/codeartifact-refresher/codeartifact-refresher/blob/main/docs/containers.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.base.name="docker.io/library/python:3.12.12-slim-bookworm"
COPY --from=build /opt/codeartifact-refresher /opt/codeartifact-refresher
# /etc/codeartifact-refresher: where the config is mounted; /home/refresher: HOME, root's and
# read-only; /creds: the shared directory of configs/sidecar.yaml, ours, so that a new named
# volume mounted there (docker, Compose) starts out writable by us and readable by our group.
RUN install -d -m 0755 /etc/codeartifact-refresher /home/refresher \
 && install -d -m 0750 -o 10001 -g 10001 /creds
ENV PATH=/opt/codeartifact-refresher/bin:$PATH \
    CODEARTIFACT_REFRESHER_CONFIG=/etc/codeartifact-refresher/config.yaml \
    HOME=/home/refresher \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /home/refresher
# the health endpoint of configs/sidecar.yaml (`health: {port: 9464, address: 0.0.0.0}`)
EXPOSE 9464
# /livez: the daemon's loop runs (never /healthz: a restart cannot mend an AWS outage); `probe`
# finds the port in the config, so no curl and no port repeated here
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["codeartifact-refresher", "probe", "livez"]
ENTRYPOINT ["codeartifact-refresher"]
CMD ["--log-format", "json", "run"]
