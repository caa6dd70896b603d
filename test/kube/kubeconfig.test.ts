// loadKubeConfig accepts a plain http:// server as kubectl does (the operator and the CLI share it):
// an http cluster is used without TLS, an https one keeps verification as written, and a KubeHttp
// call through the loaded config reaches a local plain-HTTP server with the user's token.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KubeHttp, type ObjectList } from "../../src/kube/client.ts";
import { loadKubeConfig, resolveKubeConfig } from "../../src/kube/load-kubeconfig.ts";

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
    { server: "http://127.0.0.1:8001", skip: false, reason: "kubectl proxy style: no TLS to verify, nothing to switch off" },
    { server: "HTTP://localhost:8080", skip: false, reason: "scheme is case-insensitive" },
    { server: "https://127.0.0.1:6443", skip: false, reason: "https keeps verification" },
    { server: "https://127.0.0.1:6443", skip: true, reason: "an explicit skip is kept" },
  ])("$server is taken as written ($reason)", ({ server, skip }) => {
    const r = resolveKubeConfig({ kubeconfig: kubeconfig(server, skip) });
    expect(r.kind === "direct" ? [r.server, r.tls.insecureSkipVerify] : r.kind).toEqual([server, skip]);
  });

  it("a KubeHttp call reaches a plain-HTTP API server, with the token", async () => {
    const server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ kind: "NamespaceList", apiVersion: "v1", metadata: {}, items: [{ metadata: { name: `${req.url ?? ""} ${req.headers.authorization ?? ""}` } }] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const http = new KubeHttp(loadKubeConfig({ kubeconfig: kubeconfig(`http://127.0.0.1:${String(port)}`) }));
      const list = await http.json<ObjectList>("GET", "/api/v1/namespaces");
      expect(list.items.map((n) => n.metadata?.name)).toEqual(["/api/v1/namespaces Bearer t"]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
