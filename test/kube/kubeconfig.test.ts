// loadKubeConfig accepts a plain http:// server as kubectl does (the operator and the CLI share it):
// an http cluster is marked skip-TLS (there is no TLS), an https one is left as written, and a
// client-node call through the loaded config reaches a local plain-HTTP server.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadKubeConfig, makeClients } from "../../src/kube/client.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-kubeconfig-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(server: string, skip = false): string {
  const file = join(dir, `${String(Math.random()).slice(2)}.yaml`);
  writeFileSync(file, [
    "apiVersion: v1", "kind: Config", "current-context: c",
    "clusters:", `- name: k`, `  cluster:`, `    server: ${server}`, ...(skip ? ["    insecure-skip-tls-verify: true"] : []),
    "contexts:", "- name: c", "  context: {cluster: k, user: u}",
    "users:", "- name: u", "  user: {token: t}",
  ].join("\n"));
  return file;
}

describe("loadKubeConfig and plain HTTP", () => {
  it.each([
    { server: "http://127.0.0.1:8001", skip: false, want: true, reason: "kubectl proxy style: no TLS to verify" },
    { server: "HTTP://localhost:8080", skip: false, want: true, reason: "scheme is case-insensitive" },
    { server: "https://127.0.0.1:6443", skip: false, want: false, reason: "https keeps verification" },
    { server: "https://127.0.0.1:6443", skip: true, want: true, reason: "an explicit skip is kept" },
  ])("$server → skipTLSVerify $want ($reason)", ({ server, skip, want }) => {
    expect(loadKubeConfig({ kubeconfig: kubeconfig(server, skip) }).getCurrentCluster()?.skipTLSVerify ?? false).toBe(want);
  });

  it("a typed client-node call reaches a plain-HTTP API server", async () => {
    const server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ kind: "NamespaceList", apiVersion: "v1", metadata: {}, items: [{ metadata: { name: req.url?.startsWith("/api/v1/namespaces") === true ? "seen" : "other" } }] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const { core } = makeClients(loadKubeConfig({ kubeconfig: kubeconfig(`http://127.0.0.1:${String(port)}`) }));
      const list = await core.listNamespace();
      expect(list.items.map((n) => n.metadata?.name)).toEqual(["seen"]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
