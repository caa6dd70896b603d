// The operator's modules load without @kubernetes/client-node: importing it costs ~90 MB and most
// of a second, and only kubeconfig users with exec plugins, auth providers or proxies need it
// (loaded on their first request).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const hook = fileURLToPath(new URL("../support/block-client-node.ts", import.meta.url));
const src = (path: string): string => JSON.stringify(fileURLToPath(new URL(`../../src/${path}`, import.meta.url)));

/** Imports `modules` in a fresh node that refuses client-node; what it printed. */
function importBlocked(modules: readonly string[]): { stdout: string; stderr: string } {
  const script = `${modules.map((m) => `await import(${src(m)});`).join(" ")} process.stdout.write("loaded");`;
  const r = spawnSync(process.execPath, ["--import", hook, "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr };
}

describe("the operator without @kubernetes/client-node", () => {
  it("loads every module of the operator's start-up", () => {
    const r = importBlocked(["operator/flags.ts", "operator/run.ts", "kube/index.ts", "kube/load-kubeconfig.ts"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("loaded");
  });

  it("(the block works: the client-node adapter does not load)", () => {
    const r = importBlocked(["kube/client-node-access.ts"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("@kubernetes/client-node is blocked");
  });
});
