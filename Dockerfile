# syntax=docker/dockerfile:1
# Omnichannel inbox CRM server. Node 24 runs the TypeScript sources directly
# (type stripping), so there is no build step: the image is sources + production deps.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# postinstall runs the web builds; without Vite (no dev dependencies here) they only say the bundles are built elsewhere.
COPY scripts/build-widget.ts scripts/build-operator.ts ./scripts/
# npm install follows package-lock.json; npm ci would refuse it (see .ci/run)
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# The browser bundles: the embeddable chat widget (web/widget) and the operator app (web/operator), built with Vite.
FROM node:24-slim AS web
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY web ./web
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data \
    SQLITE_PATH=/app/data/crm.sqlite
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node src ./src
COPY --chown=node:node channels ./channels
COPY --chown=node:node workers ./workers
COPY --chown=node:node migrations ./migrations
COPY --from=web --chown=node:node /build/web/widget/dist ./web/widget/dist
COPY --from=web --chown=node:node /build/web/operator/dist ./web/operator/dist
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/main.ts"]
