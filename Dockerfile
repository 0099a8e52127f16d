# One image for all five services; each Deployment chooses its service with SERVICE (see deploy/kubernetes).
# Not built on the project's own machines (no Docker engine there): kept in step with `npm start`, which runs
# the same entry points.
FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY proto ./proto
COPY scripts ./scripts
COPY buf.yaml buf.gen.yaml tsconfig.base.json tsconfig.json ./
RUN npm install --no-audit --no-fund && npm run --silent contracts:generate
USER node
CMD ["sh", "-c", "exec node -r @swc-node/register services/${SERVICE}/src/main.ts"]
