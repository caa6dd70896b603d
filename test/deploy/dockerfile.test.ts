// The image starts kseal-operator as the benchmarks do: the same Node flags
// (src/operator/node-flags.ts) before the tsc build's entry point (the tests run the same flags
// before the .ts sources; test/deploy/shipped-build.int.test.ts runs the build). The Dockerfile
// cannot import them, so this keeps the two in step.
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OPERATOR_ALLOCATOR, OPERATOR_NODE_FLAGS, operatorAllocatorEnv } from "../../src/operator/node-flags.ts";
import { BUILT_OPERATOR_MAIN, operatorArgs, operatorEnv } from "../support/processes.ts";

const root = resolve(import.meta.dirname, "../..");
const dockerfile = readFileSync(resolve(root, "Dockerfile"), "utf8");

describe("the operator's launch command", () => {
  it("the Dockerfile's ENTRYPOINT is node, the shipped flags, then the build's main.js", () => {
    const line = dockerfile.split("\n").find((l) => l.startsWith("ENTRYPOINT"));
    expect(line).toBeDefined();
    const argv = JSON.parse((line ?? "").slice("ENTRYPOINT".length)) as string[];
    expect(argv).toEqual(["node", ...OPERATOR_NODE_FLAGS, relative(root, BUILT_OPERATOR_MAIN)]);
  });

  it("the Dockerfile builds that entry point with the project's build config", () => {
    expect(dockerfile).toMatch(/^RUN node node_modules\/typescript\/bin\/tsc -p tsconfig\.build\.json$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist\/src \.\/dist\/src$/m);
  });

  it("the image runs on the shipped allocator: Debian's jemalloc at the recipe's version, preloaded with its settings", () => {
    const env = Object.fromEntries(dockerfile.split("\n").filter((l) => l.startsWith("ENV "))
      .flatMap((l) => l.slice("ENV ".length).trim().split(/\s+/)).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    expect({ LD_PRELOAD: env.LD_PRELOAD, MALLOC_CONF: env.MALLOC_CONF }).toEqual(operatorAllocatorEnv());
    expect(OPERATOR_ALLOCATOR.library).toBe("libjemalloc.so.2");
    const recipe = readFileSync(resolve(root, "test/peers/install.sh"), "utf8");
    const version = /^JEMALLOC_VERSION=(\S+)$/m.exec(recipe)?.[1];
    expect(version).toBeDefined();
    expect(dockerfile).toContain(`apt-get install -y --no-install-recommends libjemalloc2=${version ?? ""} `);
  });

  it("the harness preloads the same allocator, from the peer cache", () => {
    const env = operatorEnv();
    expect(env.MALLOC_CONF).toBe(OPERATOR_ALLOCATOR.conf);
    expect(env.LD_PRELOAD).toMatch(/\/lib\/libjemalloc\.so\.2$/);
  });

  it("the test and benchmark harness passes the same flags before the entry point", () => {
    const args = operatorArgs({ kubeconfig: "/k", namespace: "ns" });
    expect(args.slice(0, OPERATOR_NODE_FLAGS.length)).toEqual([...OPERATOR_NODE_FLAGS]);
    expect(args[OPERATOR_NODE_FLAGS.length]).toMatch(/src\/operator\/main\.ts$/);
  });
});
