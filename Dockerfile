# kseal-operator image. It runs the tsc build of src/ (dist/, as the npm package's bins do), not the
# TypeScript sources: Node's type stripping keeps its WebAssembly stripper and every stripped module
# in the operator's memory (~24 MB of resident memory, measured), and strips each module on start.
# With `erasableSyntaxOnly` the build only removes types, so it runs the same code the tests run.
#
#   docker build -t kseal-operator .
#
# Stage 1: the build — all dependencies exactly from the lockfile (TypeScript is a devDependency),
# then tsc into dist/. Install scripts are skipped: none is needed to compile.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY cli ./cli
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

# Stage 2: production dependencies only, exactly from the lockfile.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Stage 3: the runtime — no npm, no shell tools needed, a fixed non-root user. jemalloc is the
# operator's allocator (src/operator/node-flags.ts OPERATOR_ALLOCATOR, ADR 0009): glibc's malloc
# kept ~40 MB of freed memory resident at 10,000 ExternalSecrets.
FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2=5.3.0-1 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
ENV LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist/src ./dist/src
COPY config/crd ./config/crd
USER 65532:65532
EXPOSE 8080 8081
# With the Node flags of src/operator/node-flags.ts (--expose-gc for the heap trimmer, a 4 MB young
# generation: why is written there).
ENTRYPOINT ["node", "--expose-gc", "--max-semi-space-size=4", "dist/src/operator/main.js"]
