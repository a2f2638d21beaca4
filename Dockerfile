# syntax=docker/dockerfile:1
# Build: `npm ci` runs `prepare`, which compiles TypeScript with the dev dependencies and makes
# the empty PGlite cluster that a fresh DATA_DIR is copied from (dist/pglite-template) and the
# route schemas' validators and serializers as code (dist/compiled-schemas).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY bench ./bench
COPY web ./web
RUN npm ci --no-audit --no-fund

# Run: production dependencies and the compiled code only, as a non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production DATA_DIR=/var/lib/hotline PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` needs the dev dependencies; the build comes from the stage above.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/hotline && chown node:node /var/lib/hotline
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The server applies pending migrations (under an advisory lock), then listens.
# The worker is the second command: docker run IMAGE node dist/src/worker.js
CMD ["node", "dist/src/server.js"]
