# kseal-operator image. Node 24 runs the TypeScript sources directly (type stripping), so there is
# no build step to drift from the tested code: the image holds src/, package.json and production
# dependencies only.
#
#   docker build -t kseal-operator .
#
# Stage 1: production dependencies, installed exactly from the lockfile.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Stage 2: the runtime — no npm, no shell tools needed, a fixed non-root user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY config/crd ./config/crd
USER 65532:65532
EXPOSE 8080 8081
# With the Node flags of src/operator/node-flags.ts (--expose-gc, for the heap trimmer: why is written there).
ENTRYPOINT ["node", "--expose-gc", "src/operator/main.ts"]
