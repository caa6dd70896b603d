// The kseal CLI against a kubeconfig whose server is plain http:// — what `kubectl proxy` gives.
// A small reverse proxy (node:http in, https out with the admin token and the API server's CA)
// stands in for kubectl proxy; every answer comes from the real test API server. Before the fix
// client-node refused the http:// server and the CLI ended in an internal error.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { createNamespace, testKube } from "../support/kube.ts";

const kube = testKube();
const peers = inject("peers");
const dir = mkdtempSync(join(tmpdir(), "kseal-plain-http-"));
const RECIPIENT = "age1nnp7f93qzl7kwdyyaqyhw0v9gdzmkgle39c776zz9t3xqtdjkdlsw758p3";
let proxy: Server;
let kubeconfig: string;
let ns: { name: string; remove: () => Promise<void> };
const proxied: string[] = [];

/** kubectl proxy's job: forward to the API server, adding the credentials the client lacks. */
function startProxy(): Promise<number> {
  const upstream = new URL(peers.kube.server);
  const ca = readFileSync(peers.kube.caFile);
  const token = kube.kc.getCurrentUser()?.token ?? "";
  proxy = createServer((req, res) => {
    proxied.push(`${req.method ?? ""} ${req.url ?? ""}`);
    const out = httpsRequest(
      {
        hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, ca,
        headers: { ...req.headers, host: upstream.host, authorization: `Bearer ${token}` },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => {
      res.writeHead(502).end();
    });
    req.pipe(out);
  });
  return new Promise((resolve) => proxy.listen(0, "127.0.0.1", () => {
    resolve((proxy.address() as { port: number }).port);
  }));
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await kube.core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "kseal-age-recipients" }, data: { recipients: `${RECIPIENT}\n` } } });
  await kube.core.createNamespacedService({ namespace: ns.name, body: { metadata: { name: "sealed-secrets-controller" }, spec: { ports: [{ name: "http", port: 8080 }] } } });
  const port = await startProxy();
  // Exactly what `kubectl config` writes for a kubectl proxy: a server and no credentials.
  kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, [
    "apiVersion: v1", "kind: Config",
    `clusters: [{name: proxy, cluster: {server: "http://127.0.0.1:${String(port)}"}}]`,
    "users: [{name: anonymous, user: {}}]",
    `contexts: [{name: proxy, context: {cluster: proxy, user: anonymous, namespace: ${ns.name}}}]`,
    "current-context: proxy", "",
  ].join("\n"));
});

afterAll(async () => {
  await new Promise((resolve) => proxy.close(resolve));
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("kseal CLI with an http:// kubeconfig (kubectl proxy)", () => {
  it("sops recipients reads the cluster's age recipients through it", async () => {
    proxied.length = 0;
    const r = await runCliCaptured(["sops", "recipients", "--kubeconfig", kubeconfig, "--controller-namespace", ns.name]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`age: ${RECIPIENT}`);
    expect(proxied).toEqual([`GET /api/v1/namespaces/${ns.name}/configmaps/kseal-age-recipients`]);
  });

  it("seal --fetch-cert reaches the API server through it (the Service has no pod: the API server's error is reported, not an internal one)", async () => {
    proxied.length = 0;
    const r = await runCliCaptured(["seal", "--fetch-cert", "--kubeconfig", kubeconfig, "--controller-namespace", ns.name]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).toContain("SEALING_CERT_FETCH_FAILED");
    expect(r.stderr).toMatch(/cannot fetch the certificate from the controller \(HTTP [45]\d\d\) \[SEALING_CERT_FETCH_FAILED\]/);
    expect(proxied).toEqual([
      `GET /api/v1/namespaces/${ns.name}/services/sealed-secrets-controller`,
      `GET /api/v1/namespaces/${ns.name}/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem`,
    ]);
  });
});
