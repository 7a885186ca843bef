# syntax=docker/dockerfile:1
# One image per Datawell service, chosen by the SERVICE build argument (docker-compose.yml builds
# all six); `DATAWELL_SERVICE` at run time overrides it, so one built image can run any service.
#   docker build --build-arg SERVICE=marketplace -t datawell/marketplace:dev .
# Services run from their TypeScript sources through @swc-node/register, as they do in development.

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
USER node
# Ports 4100-4105 by service; see docs/services.md.
EXPOSE 4100 4101 4102 4103 4104 4105
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec node -r @swc-node/register \"services/${DATAWELL_SERVICE}/src/main.ts\""]
