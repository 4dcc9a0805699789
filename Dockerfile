# One image for the api, the worker and the migration job of the production shape.
# Node 22 LTS (supported to 2027-04; Node 20 ends 2026-04-30). The code also runs on Node 20, the
# development machines' version (package.json engines), and CI runs these bundles there.
# Build stage: compile our TypeScript to JavaScript bundles and bundle the workflows once.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: production dependencies and dist/ only, as an unprivileged user.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production COREBANK_PROFILE=production WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Where compose's documents volume is mounted: a new named volume takes this directory's owner.
RUN mkdir -p /var/lib/corebank/documents && chown 1000:1000 /var/lib/corebank/documents
# Numeric (the image's `node` user): Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
EXPOSE 3000
# The api answers /health once it can reach PostgreSQL; the worker and migration job override it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/api.js"]
