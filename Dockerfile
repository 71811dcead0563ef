# syntax=docker/dockerfile:1
# Omnichannel inbox CRM server. Node 24 runs the TypeScript sources directly
# (type stripping), so there is no build step: the image is sources + production deps.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# postinstall runs it; without Vite (no dev dependencies here) it only says the widget is built elsewhere.
COPY scripts/build-widget.ts ./scripts/
# npm install follows package-lock.json; npm ci would refuse it (see .ci/run)
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# The embeddable chat widget (web/widget): only what builds it, not every dev dependency.
FROM node:24-slim AS widget
WORKDIR /build
RUN echo '{"private":true,"type":"module"}' > package.json && npm install --no-audit --no-fund vite@^8.3.8 socket.io-client@^4.8.1
COPY scripts/build-widget.ts ./scripts/
COPY web/widget ./web/widget
RUN node scripts/build-widget.ts

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
COPY --from=widget --chown=node:node /build/web/widget/dist ./web/widget/dist
# COPY --chown=node:node web ./web        # uncomment once web/ (operator app, widget) exists
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/main.ts"]
