// The CLI's kubeClient (seal --fetch-cert, --validate, --re-encrypt, --rotate): which kubeconfig it
// picks (flag, $KUBECONFIG, ~/.kube/config), the context's namespace, plain http:// servers as
// kubectl takes them, and KUBE_CONFIG_MISSING for every kubeconfig it cannot use.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeClient } from "../../cli/kseal/commands/seal-kube.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-cli-kubeconfig-"));
let server: Server;
let url = "";
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(req.url === "/missing" ? 404 : 200, { "content-type": "text/plain" });
      res.end(`answer to ${req.url ?? ""}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A kubeconfig with contexts `a` (current, namespace `team-a`, token `tok-a`) and `b` (no namespace). */
function kubeconfig(server = url, sub = String(n++)): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  const path = join(d, "config");
  writeFileSync(path, stringify({
    apiVersion: "v1", kind: "Config", "current-context": "a",
    clusters: [{ name: "k", cluster: { server } }],
    users: [{ name: "ua", user: { token: "tok-a" } }, { name: "ub", user: { token: "tok-b" } }],
    contexts: [{ name: "a", context: { cluster: "k", user: "ua", namespace: "team-a" } }, { name: "b", context: { cluster: "k", user: "ub" } }],
  }));
  return path;
}

async function errorOf(p: Promise<unknown>): Promise<{ code: unknown; message: unknown }> {
  const e = await p.then(() => undefined, (x: unknown) => x) as { code?: unknown; message?: unknown } | undefined;
  return { code: e?.code, message: e?.message };
}

describe("kubeClient", () => {
  it("talks to a plain http:// server with the context's token; the namespace is the context's", async () => {
    const client = await kubeClient({ kubeconfig: kubeconfig(), env: {} });
    expect(client.namespace).toBe("team-a");
    seen.length = 0;
    const got = await client.request("GET", "/api/v1/namespaces/x/services/y");
    const posted = await client.request("POST", "/verify", Buffer.from("{}"), "application/json");
    const missing = await client.request("GET", "/missing");
    expect([got, posted, missing].map((r) => [r.status, r.body.toString()])).toEqual([
      [200, "answer to /api/v1/namespaces/x/services/y"], [200, "answer to /verify"], [404, "answer to /missing"],
    ]);
    expect(seen.map((s) => [s.method, s.headers.authorization, s.headers["content-type"], s.body])).toEqual([
      ["GET", "Bearer tok-a", undefined, ""], ["POST", "Bearer tok-a", "application/json", "{}"], ["GET", "Bearer tok-a", undefined, ""],
    ]);
  });

  it("--context picks another context; without a namespace it is default", async () => {
    const client = await kubeClient({ kubeconfig: kubeconfig(), context: "b", env: {} });
    expect(client.namespace).toBe("default");
    seen.length = 0;
    await client.request("GET", "/x");
    expect(seen[0]?.headers.authorization).toBe("Bearer tok-b");
  });

  it("without the flag: the first existing file of $KUBECONFIG, else ~/.kube/config", async () => {
    const listed = kubeconfig(url, "listed");
    const home = join(dir, "home");
    mkdirSync(join(home, ".kube"), { recursive: true });
    writeFileSync(join(home, ".kube", "config"), stringify({ "current-context": "h", clusters: [{ name: "k", cluster: { server: url } }], contexts: [{ name: "h", context: { cluster: "k", namespace: "from-home" } }] }));
    const fromList = await kubeClient({ env: { KUBECONFIG: [join(dir, "absent"), listed].join(delimiter), HOME: home } });
    expect(fromList.namespace).toBe("team-a");
    const fromHome = await kubeClient({ env: { KUBECONFIG: join(dir, "absent"), HOME: home } });
    expect(fromHome.namespace).toBe("from-home");
  });

  it.each([
    { reason: "no kubeconfig anywhere and not in a cluster", target: () => ({ env: { HOME: join(dir, "nohome") } }), message: "no kubeconfig is available" },
    { reason: "the kubeconfig is not YAML", target: () => ({ kubeconfig: junk(), env: {} }), message: "cannot load the kubeconfig: the kubeconfig is not valid YAML" },
    { reason: "the context does not exist", target: () => ({ kubeconfig: kubeconfig(), context: "nope", env: {} }), message: 'cannot load the kubeconfig: context "nope" is not in the kubeconfig' },
  ])("KUBE_CONFIG_MISSING when $reason", async ({ target, message }) => {
    expect(await errorOf(kubeClient(target()))).toEqual({ code: "KUBE_CONFIG_MISSING", message });
  });

  it("KUBE_UNREACHABLE when nothing listens", async () => {
    const client = await kubeClient({ kubeconfig: kubeconfig("http://127.0.0.1:1"), env: {} });
    expect(await errorOf(client.request("GET", "/x"))).toEqual({ code: "KUBE_UNREACHABLE", message: "cannot reach the Kubernetes API server" });
  });
});

function junk(): string {
  const path = join(dir, `junk-${String(n++)}`);
  writeFileSync(path, "{ [ not: yaml");
  return path;
}
