# syntax=docker/dockerfile:1.7
#
# One image per service, from one file: build a target with `docker build --target <name> .`
# where <name> is `channels`, `messaging`, `tickets` or `realtime-gateway`.
#
# Node.js 24 runs the TypeScript sources directly (type stripping), so the services need no
# compile step; only the support console is built (Vite), and only the gateway image carries it.
# Every image holds the production dependencies of the four services, the libraries' and the
# services' sources, and nothing else: no dev dependencies, no tests, no embedded PostgreSQL.

ARG NODE_IMAGE=node:24-slim

# --- The workspace's package files alone -----------------------------------------------------
# npm ci needs every workspace's package.json beside the lockfile. Copying just these into their
# own stage means the dependency layers below are rebuilt only when a package file changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && find . -name node_modules -prune -o -name package.json -print \
    | xargs cp --parents -t /manifests \
 && cp package-lock.json /manifests/

# --- The services' sources: package files and sources of the libraries and services, no tests ----
FROM ${NODE_IMAGE} AS sources
WORKDIR /src
COPY . .
RUN mkdir /runtime \
 && cp --parents -r package.json libs/*/package.json libs/*/src services/*/package.json services/*/src /runtime/

# --- Build: every dependency, then the console (only the gateway target needs this stage) -------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
# Install scripts are skipped: the console build needs none (its bundler ships prebuilt binaries
# as optional packages), and the only packages that have one are the embedded PostgreSQL and a
# native add-on of the test tooling, neither of which an image uses.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build -w apps/support-console

# --- Production dependencies of the four services ----------------------------------------------
# `--workspace` limits the install to what these workspaces (and the libraries they use) depend
# on, which leaves out the one-process app's embedded PostgreSQL and the console's packages.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund \
      --workspace services/channels \
      --workspace services/messaging \
      --workspace services/tickets \
      --workspace services/realtime-gateway

# --- Runtime: what every service image shares --------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# A fixed, unprivileged uid/gid that the Helm chart's securityContext names (runAsUser 10001).
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
# Owned by root and not writable by the app user: the pods also mount the root filesystem read-only.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=sources /runtime/ ./
USER 10001:10001
LABEL org.opencontainers.image.licenses="Apache-2.0"

# --- One target per service --------------------------------------------------------------------
# Each target also carries `node services/<name>/src/migrate.ts`, which the chart runs once per
# release (a hook Job) before the pods start with MIGRATE=0.
FROM runtime AS channels
LABEL org.opencontainers.image.title="chat-platform channels"
ENV PORT=8081
EXPOSE 8081
CMD ["node", "services/channels/src/main.ts"]

FROM runtime AS messaging
LABEL org.opencontainers.image.title="chat-platform messaging"
ENV PORT=8082
EXPOSE 8082
CMD ["node", "services/messaging/src/main.ts"]

FROM runtime AS tickets
LABEL org.opencontainers.image.title="chat-platform tickets"
ENV PORT=8083
EXPOSE 8083
CMD ["node", "services/tickets/src/main.ts"]

FROM runtime AS realtime-gateway
LABEL org.opencontainers.image.title="chat-platform realtime-gateway"
# The support console, served by the gateway at `/`.
COPY --from=build /app/apps/support-console/dist ./console
ENV PORT=8080 \
    CONSOLE_DIR=/app/console
EXPOSE 8080
CMD ["node", "services/realtime-gateway/src/main.ts"]
