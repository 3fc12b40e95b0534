# cloud-dispatcher container image.
#   docker build -t cloud-dispatcher .
#   docker run -p 5070:5070 -v dispatcher-data:/data -e DISPATCHER_ADMIN_PASSWORD_FILE=/run/secrets/admin cloud-dispatcher
# Build stage: full dependencies (better-sqlite3 compiles against this Node), TypeScript build,
# then the dev dependencies dropped. Runtime stage: the same Node, no compiler, a non-root user.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install-time script runs unreviewed (npm releases before allowScripts
# would run @scarf/scarf's telemetry); the one native module is built explicitly.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    DISPATCHER_HOST=0.0.0.0 \
    DISPATCHER_PORT=5070 \
    DATABASE_URL=sqlite:/data/dispatcher.sqlite \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
RUN ln -s /app/bin/dispatcher.js /usr/local/bin/dispatcher \
 && mkdir -p /data && chown node:node /data
# The image's own unprivileged user; the store (SQLite) lives on the volume.
USER node
VOLUME ["/data"]
EXPOSE 5070
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.DISPATCHER_PORT||5070)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains (see docs/operations.md); give `docker stop` more than server.shutdownTimeoutMs.
STOPSIGNAL SIGTERM
# --max-semi-space-size: as `npm start` (docs/performance.md, "memory").
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
