// The image starts kseal-operator exactly as the tests and benchmarks do: the same Node flags
// (src/operator/node-flags.ts) before the same entry point. The Dockerfile cannot import them, so
// this keeps the two in step.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OPERATOR_NODE_FLAGS } from "../../src/operator/node-flags.ts";
import { operatorArgs } from "../support/processes.ts";

const dockerfile = readFileSync(resolve(import.meta.dirname, "../../Dockerfile"), "utf8");

describe("the operator's launch command", () => {
  it("the Dockerfile's ENTRYPOINT is node, the shipped flags, then src/operator/main.ts", () => {
    const line = dockerfile.split("\n").find((l) => l.startsWith("ENTRYPOINT"));
    expect(line).toBeDefined();
    const argv = JSON.parse((line ?? "").slice("ENTRYPOINT".length)) as string[];
    expect(argv).toEqual(["node", ...OPERATOR_NODE_FLAGS, "src/operator/main.ts"]);
  });

  it("the test and benchmark harness passes the same flags before the entry point", () => {
    const args = operatorArgs({ kubeconfig: "/k", namespace: "ns" });
    expect(args.slice(0, OPERATOR_NODE_FLAGS.length)).toEqual([...OPERATOR_NODE_FLAGS]);
    expect(args[OPERATOR_NODE_FLAGS.length]).toMatch(/src\/operator\/main\.ts$/);
  });
});
