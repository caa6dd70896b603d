// KubeHttp through kseal's own kubeconfig loader against a local HTTPS server with a throw-away
// CA: the CA, client certificate, TLS server name and insecure-skip-tls-verify are really applied
// by TLS, credentials reach the server, one connection pool serves every request, credentials are
// renewed every 10 s, and an exec plugin user still works through client-node.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { stringify } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { KubeHttp } from "../../src/kube/client.ts";
import { loadKubeConfig } from "../../src/kube/load-kubeconfig.ts";
import { testPki, type TestPki } from "../support/tls.ts";

/** What the server saw of one request. */
interface Seen {
  authorization: string | null;
  impersonate: string | null;
  clientName: string | null;
  sni: string | null;
}

const dir = mkdtempSync(join(tmpdir(), "kseal-kube-access-"));
let pki: TestPki;
let otherPki: TestPki;
let server: Server;
let serverUrl = "";
let tlsConnections = 0;

beforeAll(async () => {
  pki = testPki();
  otherPki = testPki();
  server = createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
    const seen: Seen = {
      authorization: req.headers.authorization ?? null,
      impersonate: (req.headers["impersonate-user"] as string | undefined) ?? null,
      clientName: typeof peer?.subject.CN === "string" ? peer.subject.CN : null,
      sni: typeof socket.servername === "string" ? socket.servername : null,
    };
    if (seen.authorization === "Bearer revoked") {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", reason: "Unauthorized", code: 401 }));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(seen));
  });
  server.on("secureConnection", () => tlsConnections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  serverUrl = `https://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const b64 = (s: string): string => Buffer.from(s).toString("base64");

let n = 0;
/** A kubeconfig for the test server in a fresh directory (relative files go beside it). */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>, files: Readonly<Record<string, string>> = {}): string {
  const d = join(dir, String(n++));
  mkdirSync(d);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  const path = join(d, "kubeconfig");
  writeFileSync(path, stringify({
    apiVersion: "v1", kind: "Config", "current-context": "c",
    clusters: [{ name: "k", cluster: { server: serverUrl, ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
  }));
  return path;
}

const whoami = (http: KubeHttp): Promise<Seen> => http.json<Seen>("GET", "/api/v1/namespaces");
const httpFor = (path: string): KubeHttp => new KubeHttp(loadKubeConfig({ kubeconfig: path }));

describe("TLS settings from the kubeconfig", () => {
  it("CA, client certificate and key as -data, TLS server name, token: all reach the server", async () => {
    const http = httpFor(kubeconfig(
      { "certificate-authority-data": b64(pki.caPem), "tls-server-name": pki.serverName },
      { token: "tok", "client-certificate-data": b64(pki.clientCertPem), "client-key-data": b64(pki.clientKeyPem), as: "jane" },
    ));
    expect(await whoami(http)).toEqual({ authorization: "Bearer tok", impersonate: "jane", clientName: pki.clientName, sni: pki.serverName });
  });

  it("the same from files relative to the kubeconfig", async () => {
    const http = httpFor(kubeconfig(
      { "certificate-authority": "ca.crt", "tls-server-name": pki.serverName },
      { username: "admin", password: "pw", "client-certificate": "client.crt", "client-key": "client.key" },
      { "ca.crt": pki.caPem, "client.crt": pki.clientCertPem, "client.key": pki.clientKeyPem },
    ));
    expect(await whoami(http)).toMatchObject({ authorization: `Basic ${b64("admin:pw")}`, clientName: pki.clientName });
  });

  it.each([
    { reason: "the certificate is not for the server's address and no tls-server-name says otherwise", cluster: () => ({ "certificate-authority-data": b64(pki.caPem) }) },
    { reason: "the CA is not the server's", cluster: () => ({ "certificate-authority-data": b64(otherPki.caPem), "tls-server-name": pki.serverName }) },
    { reason: "no CA is given and the system does not trust the server's", cluster: () => ({ "tls-server-name": pki.serverName }) },
  ])("KUBE_UNREACHABLE when $reason", async ({ cluster }) => {
    await expect(whoami(httpFor(kubeconfig(cluster(), { token: "tok" })))).rejects.toMatchObject({ code: "KUBE_UNREACHABLE" });
  });

  it("insecure-skip-tls-verify accepts the unknown certificate", async () => {
    const http = httpFor(kubeconfig({ "insecure-skip-tls-verify": true }, { token: "tok" }));
    expect(await whoami(http)).toMatchObject({ authorization: "Bearer tok", clientName: null });
  });

  it("one connection pool, built once, serves every request", async () => {
    const access = loadKubeConfig({ kubeconfig: kubeconfig({ "certificate-authority-data": b64(pki.caPem), "tls-server-name": pki.serverName }, { token: "tok" }) });
    expect((await access.credentials()).agent).toBe((await access.credentials()).agent);
    const http = new KubeHttp(access);
    const before = tlsConnections;
    for (let i = 0; i < 10; i++) await whoami(http);
    // A pool per request would open 10 connections. One pool may still open a second: a request
    // sent the moment the previous body ends can beat the socket's return to the pool.
    expect(tlsConnections - before).toBeLessThanOrEqual(2);
  });
});

describe("KubeHttp's credential cache", () => {
  it("reads the token file at most every 10 s", async () => {
    let now = 1_000_000;
    vi.spyOn(performance, "now").mockImplementation(() => now);
    const path = kubeconfig({ "insecure-skip-tls-verify": true }, { tokenFile: "token" }, { token: "one" });
    const http = httpFor(path);
    expect((await whoami(http)).authorization).toBe("Bearer one");
    writeFileSync(join(path, "..", "token"), "two\n");
    now += 9_000;
    expect((await whoami(http)).authorization).toBe("Bearer one");
    now += 1_000;
    expect((await whoami(http)).authorization).toBe("Bearer two");
  });

  it("a 401 drops the cached credentials: the next request reads them again at once", async () => {
    const now = 2_000_000;
    vi.spyOn(performance, "now").mockImplementation(() => now);
    const path = kubeconfig({ "insecure-skip-tls-verify": true }, { tokenFile: "token" }, { token: "revoked" });
    const http = httpFor(path);
    await expect(whoami(http)).rejects.toMatchObject({ code: "KUBE_API_ERROR", details: { status: 401, reason: "Unauthorized" } });
    writeFileSync(join(path, "..", "token"), "renewed\n");
    expect((await whoami(http)).authorization).toBe("Bearer renewed");
  });
});

describe("exec credential plugins (through client-node)", () => {
  it("runs the plugin and sends its token over the kubeconfig's TLS settings", async () => {
    const plugin = join(dir, "plugin.mjs");
    writeFileSync(plugin, `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: "from-exec-" + process.env.KSEAL_TEST_ARG } }));\n`);
    const http = httpFor(kubeconfig(
      { "certificate-authority-data": b64(pki.caPem), "tls-server-name": pki.serverName },
      { exec: { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: [plugin], env: [{ name: "KSEAL_TEST_ARG", value: "42" }], interactiveMode: "Never" } },
    ));
    expect(await whoami(http)).toMatchObject({ authorization: "Bearer from-exec-42", sni: pki.serverName });
  });

  it("a failing plugin is KUBE_CREDENTIALS_UNAVAILABLE, its output kept out of the message", async () => {
    const plugin = join(dir, "failing-plugin.mjs");
    writeFileSync(plugin, `process.stderr.write("leaked-secret-in-stderr"); process.exit(3);\n`);
    const http = httpFor(kubeconfig(
      { "insecure-skip-tls-verify": true },
      { exec: { apiVersion: "client.authentication.k8s.io/v1", command: process.execPath, args: [plugin], interactiveMode: "Never" } },
    ));
    const e = await whoami(http).then(() => undefined, (x: unknown) => x) as { code: string; message: string; details: unknown };
    expect({ code: e.code, message: e.message }).toEqual({ code: "KUBE_CREDENTIALS_UNAVAILABLE", message: "cannot get credentials for the kubeconfig user (exec)" });
    expect(JSON.stringify(e.details)).not.toContain("leaked-secret");
  });
});
