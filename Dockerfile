# syntax=docker/dockerfile:1
#
# One image for every Switchboard role (edge, auth, router, presence, standalone).
#
# Why one image and not one per service: the roles are thin entry files over the same packages
# (each bundle is ~1.2 MB, 95% shared code), they are always released together, and one image
# means one build, one digest to pin, scan and sign, and one pull cache on each node. The role
# is picked at run time: `SWITCHBOARD_ROLE=edge` (default `standalone`) or the first argument
# (`docker run IMAGE edge.mjs`; the Helm chart passes `/app/<role>.mjs`).
#
# The runtime stage holds Node 24 LTS, tini and `dist/` — the production bundle `pnpm bundle` writes
# (scripts/bundle.ts): one self-contained ES module per role, every dependency inside, nothing
# native, so no node_modules, no package manager, no dev dependencies. CI builds the same bundle
# with the same command and runs it (e2e/bundle/bundle.test.ts), so what this
# file copies is what the tests ran.
#
#   docker build -t switchboard:dev .
#   docker run --rm -p 8080:8080 -p 9090:9090 switchboard:dev                 # all-in-one
#   docker run --rm -e SWITCHBOARD_ROLE=edge -e SB_BUS=nats -e SB_NATS_URL=… switchboard:dev
#
# It runs as uid/gid 1000 (numeric, so Kubernetes can verify runAsNonRoot) and writes nothing
# to its filesystem: it works with readOnlyRootFilesystem.

# The stages' base images. With Docker and a registry: the official Node 24 LTS image for both.
# Without a registry, scripts/image-build.sh passes bases made from Debian packages
# (scripts/image-base.sh): a Debian one with Node and npm for the build, and for the runtime a
# root filesystem holding Node and the libraries it loads, nothing else (no shell).
ARG NODE_IMAGE=node:24-bookworm-slim
ARG BUILD_IMAGE=${NODE_IMAGE}
ARG RUNTIME_IMAGE=${NODE_IMAGE}

# ---- build: install with the lockfile, then bundle ------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
ENV CI=true PNPM_HOME=/pnpm PATH=/pnpm:$PATH
# tini for the runtime stage, which copies its static build (no shell or apt needed there).
RUN command -v tini-static >/dev/null \
 || (apt-get update \
     && apt-get install -y --no-install-recommends tini \
     && rm -rf /var/lib/apt/lists/*)
# The optional `ca` secret is a CA bundle for networks that intercept TLS
# (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`): mounted for these steps only,
# never written to a layer.
RUN --mount=type=secret,id=ca \
    --mount=type=cache,id=npm-cache,target=/root/.npm \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && npm install -g pnpm@10.34.9
# Manifests first: the dependency layer is rebuilt only when they change.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
# Fixes applied to dependencies at install time (pnpm patchedDependencies).
COPY patches ./patches
RUN --mount=type=secret,id=ca \
    --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi \
 && pnpm fetch
COPY . .
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline \
 && pnpm bundle

# ---- runtime --------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="switchboard" \
      org.opencontainers.image.description="Real-time WebSocket messaging cluster: edge, auth, router, presence" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="UNLICENSED"
# npm, npx, corepack and yarn (in the official Node image) are not needed at run time: removed
# from what a scanner has to report. Node does it, so the step needs no shell.
RUN ["node", "-e", "const fs = require('node:fs'); const yarn = fs.existsSync('/opt') ? fs.readdirSync('/opt').filter((d) => d.startsWith('yarn-')).map((d) => '/opt/' + d) : []; for (const p of [...yarn, '/usr/local/lib/node_modules/npm', '/usr/local/lib/node_modules/corepack', '/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack', '/usr/local/bin/yarn', '/usr/local/bin/yarnpkg']) fs.rmSync(p, { recursive: true, force: true });"]
# tini: PID 1 that forwards SIGTERM to Node and reaps zombies.
COPY --from=build /usr/bin/tini-static /usr/bin/tini
WORKDIR /app
COPY --from=build --chown=0:0 /src/dist/ /app/
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    SWITCHBOARD_ROLE=standalone
# The "node" user of both bases, by number.
USER 1000:1000
# SB_WS_PORT (edge, standalone) and SB_HTTP_PORT (/healthz, /readyz, /metrics; every role).
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SB_HTTP_PORT||9090)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM → unready → drain (edge: clients told to reconnect over SB_DRAIN_MS) → exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "node"]
CMD ["/app/main.mjs"]
