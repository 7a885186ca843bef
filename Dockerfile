# syntax=docker/dockerfile:1
# One image per Datawell service, chosen by the SERVICE build argument (docker-compose.yml and
# deploy/compose/member.yml build them); `DATAWELL_SERVICE` at run time overrides it, so one built
# image can run any service. Targets: `service` (default), `provisioner` (the service plus OpenTofu,
# which it runs), `chaincode` (a chaincode as a service, for the peers).
#   docker build --build-arg SERVICE=marketplace -t datawell/marketplace:dev .
#   docker build --target provisioner --build-arg SERVICE=provisioner -t datawell/provisioner:dev .
# Services run from their TypeScript sources through @swc-node/register, as they do in development.
# tools/compose-check checks that the provisioner's target has tofu at PROVISIONER_TOFU_BINARY.

ARG NODE_IMAGE=node:20-bookworm-slim

# Every workspace's package.json, and nothing else: npm needs them all to install the workspace
# tree, and copying them from here (COPY compares content) keeps the install layer cached while
# only sources change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests \; \
 && cp package-lock.json /manifests/

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /manifests ./
# `npm ci` refuses this lock file: it lacks the other platforms' optional native binaries (of
# @swc/core and others). `npm install --no-save` keeps the locked versions and adds the binary for
# the image's platform. Install scripts stay off: the add-ons that need them are optional at run time.
RUN npm install --ignore-scripts --no-audit --no-fund --no-save

# OpenTofu built from its Go module, as the native stack builds it (libs/stack/src/versions.ts: same
# version and flags); its go.mod has replace directives, so `go install module@version` cannot.
FROM golang:1.24-bookworm AS tofu
ARG OPENTOFU_VERSION=v1.10.6
RUN dir=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@${OPENTOFU_VERSION}" | grep '"Dir"' | cut -d'"' -f4) \
 && cd "$dir" \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o /out/tofu ./cmd/tofu

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
RUN test -n "${SERVICE}" || (echo "build with --build-arg SERVICE=<name of a folder in services/>" >&2; exit 1)
ENV NODE_ENV=production \
    DATAWELL_SERVICE=${SERVICE}
WORKDIR /app
# The whole install, with any workspace-local node_modules and the workspace manifests.
COPY --from=deps --chown=node:node /app ./
COPY --chown=node:node tsconfig.base.json tsconfig.json .swcrc ./
COPY --chown=node:node libs ./libs
COPY --chown=node:node services ./services
# The workload programs the provisioner starts (launcher, supervisor, workload, MPC node).
COPY --chown=node:node workloads ./workloads
RUN test -f "services/${SERVICE}/src/main.ts" || (echo "no service named ${SERVICE}" >&2; exit 1)
# Compose secrets named like variables become the service's environment (deploy/docker/entrypoint.sh).
COPY deploy/docker/entrypoint.sh /usr/local/bin/datawell-entrypoint
USER node
# Ports 4100-4105 by service; see docs/services.md.
EXPOSE 4100 4101 4102 4103 4104 4105
STOPSIGNAL SIGTERM
ENTRYPOINT ["datawell-entrypoint"]
CMD ["sh", "-c", "exec node -r @swc-node/register \"services/${DATAWELL_SERVICE}/src/main.ts\""]

# A chaincode as a service (Fabric's ccaas builder): the peer dials it at the address of the
# package's connection.json. The compose files run one per chaincode and peer:
#   fabric-shim server --chaincode-address 0.0.0.0:9999 --chaincode-id <package id> --module-path chaincode/<name>
FROM ${NODE_IMAGE} AS chaincode
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app ./
COPY --chown=node:node tsconfig.base.json tsconfig.json .swcrc ./
COPY --chown=node:node libs ./libs
COPY --chown=node:node chaincode ./chaincode
USER node
EXPOSE 9999
STOPSIGNAL SIGTERM

# The provisioner: the service image plus the OpenTofu it runs for the member's workloads.
FROM runtime AS provisioner
COPY --from=tofu /out/tofu /usr/local/bin/tofu
RUN tofu version
# PROVISIONER_WORK_DIR: a named volume there starts with this folder's owner.
USER root
RUN mkdir -p /var/lib/datawell/provisioner && chown node:node /var/lib/datawell/provisioner
USER node

# The default target: any service but the provisioner.
FROM runtime AS service
