# The parking node image. Build: docker build -t parking:local .
# Multi-stage: the build stage compiles TypeScript with every dependency; the run stage gets only
# the compiled code, config/ and the production dependencies. See docs/docker.md.

# Node LTS, slim variant. CI passes a locally built stand-in (there is no registry there).
ARG NODE_IMAGE=node:26-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first: the dependency layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# Drop the dev dependencies now, so the run stage copies a production-only node_modules.
RUN npm prune --omit=dev --no-audit --no-fund && chmod 0755 dist/src/cli/bin.js

FROM ${NODE_IMAGE}
# tini as PID 1 forwards signals and reaps the processes `kubectl exec` leaves behind. The base
# may ship it already (the CI stand-in does); otherwise it comes from the distribution.
RUN command -v tini >/dev/null 2>&1 || { apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*; }
# production selects the kubernetes preset: dns discovery, host 0.0.0.0, port 4000, JSON logs
# (config/presets/kubernetes.yaml).
# The REPL history goes to /tmp: the root filesystem is read-only in Kubernetes.
ENV NODE_ENV=production \
    PARKING_ENV=production \
    PARKING_HISTORY=/tmp/.parking_history
WORKDIR /app
COPY package.json ./
COPY config ./config
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# `parking` on PATH, for `docker exec` / `kubectl exec ... parking console`.
RUN ln -s /app/dist/src/cli/bin.js /usr/local/bin/parking
# The node user of the Node images, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 4000
STOPSIGNAL SIGTERM
# No curl in the image: Node itself asks /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:'+(process.env.PARKING_PORT||4000)+'/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "parking"]
CMD ["start", "--no-repl"]
