// kubeseal's client-go connection flags in the kseal CLI, against the real test kube-apiserver
// (RBAC, token auth, TLS with its own CA) and side by side with the real kubeseal binary:
// `--server --token --certificate-authority` with no kubeconfig at all, `--insecure-skip-tls-verify`,
// a wrong token, `--as`/`--as-group` impersonation through RBAC, flags over a kubeconfig, klog's
// flags and `--version`.
//
// All test traffic stays on loopback. The real API server cannot proxy to a process on loopback (it
// refuses loopback Endpoints and proxies only to Pod addresses), so two halves:
// - Against the REAL API server, a Service without endpoints: getting past authentication and
//   authorization shows as the API server's own proxy answer (HTTP 404 `services "…" not found`,
//   there being no endpoints), reported as SEALING_CERT_FETCH_FAILED — never KUBE_UNAUTHORIZED,
//   KUBE_FORBIDDEN or KUBE_CONFIG_MISSING — and by kubeseal in its own words.
// - The certificate itself, byte for byte against kubeseal, through the loopback stand-in for the
//   Service proxy (test/support/service-proxy.ts), serving HTTPS with a CA of its own and
//   requiring a bearer token of its own, so --server, --token and --certificate-authority all count.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { peerBin } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { adminToken } from "../support/processes.ts";
import { startServiceProxy } from "../support/service-proxy.ts";
import { KeyRing, parseDocuments, printObject, sealSecret, unsealSealedSecret, type SealedSecret } from "../../src/sealing/index.ts";
import { testKey } from "../sealing/support.ts";

const kube = testKube();
const peers = inject("peers");
const dir = mkdtempSync(join(tmpdir(), "kseal-connection-flags-"));
/** A HOME without ~/.kube/config, so that only the flags say where the cluster is. */
const noKubeconfig = { HOME: join(dir, "home"), KUBECONFIG: "" };
const CONTROLLER = "sealed-secrets-controller";
/**
 * The real API server's Service proxy answer for a Service without endpoints (HTTP 404, `services
 * "<name>" not found`), as kseal reports it: past authentication, authorization and the Service
 * lookup, at the proxy call.
 */
const NO_ENDPOINTS = "kseal: error: cannot fetch the certificate from the controller (HTTP 404) [SEALING_CERT_FETCH_FAILED]\n";
/** The same answer as kubeseal reports it. */
const THEIR_NO_ENDPOINTS = { status: 1, stdout: "", stderr: `error: cannot fetch certificate: services "${CONTROLLER}" not found\n` };
let token = "";
let pem = "";
let ns: { name: string; remove: () => Promise<void> };
/** The controller stand-in (plain HTTP on loopback) serving `pem` at /v1/cert.pem. */
let controller: Server;
/** The Service-proxy stand-in: HTTPS on 127.0.0.1 with its own CA, requiring `standIn.token`. */
const standIn = { server: "", caFile: join(dir, "stand-in-ca.crt"), token: randomBytes(16).toString("hex"), proxy: undefined as Server | undefined };

/** A CA and a certificate for IP 127.0.0.1 signed by it, unrelated to the API server's. */
function standInPki(): { cert: Buffer; key: Buffer } {
  const openssl = (args: string[]): void => {
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  };
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kseal-stand-in-ca", "-keyout", "stand-in-ca.key", "-out", "stand-in-ca.crt"]);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "stand-in.key", "-out", "stand-in.csr"]);
  writeFileSync(join(dir, "stand-in.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  openssl(["x509", "-req", "-in", "stand-in.csr", "-CA", "stand-in-ca.crt", "-CAkey", "stand-in-ca.key", "-CAcreateserial",
    "-days", "1", "-extfile", "stand-in.ext", "-out", "stand-in.crt"]);
  return { cert: readFileSync(join(dir, "stand-in.crt")), key: readFileSync(join(dir, "stand-in.key")) };
}

beforeAll(async () => {
  mkdirSync(noKubeconfig.HOME);
  token = adminToken(peers.kube.kubeconfig);
  pem = readFileSync(peers.kube.caFile, "utf8"); // any real certificate will do: --fetch-cert prints what it gets
  ns = await createNamespace(kube, import.meta.filename);
  // No selector, no Endpoints: the API server finds the Service and has nowhere to proxy to.
  await kube.core.createNamespacedService({ namespace: ns.name, body: { metadata: { name: CONTROLLER }, spec: { ports: [{ name: "http", port: 8080 }] } } });
  controller = createServer((req, res) => {
    if (new URL(req.url ?? "/", "http://controller").pathname === "/v1/cert.pem") res.writeHead(200, { "content-type": "application/x-pem-file" }).end(pem);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => controller.listen(0, "127.0.0.1", r));
  const { cert, key } = standInPki();
  const started = await startServiceProxy({
    target: `http://127.0.0.1:${String((controller.address() as AddressInfo).port)}`,
    service: CONTROLLER, dir, namespace: ns.name, tls: { cert, key, caFile: standIn.caFile }, token: standIn.token,
  });
  standIn.proxy = started.server;
  standIn.server = `https://127.0.0.1:${String((started.server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  for (const s of [controller, standIn.proxy]) {
    if (s === undefined) continue;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function kseal(args: string[], env: Record<string, string> = noKubeconfig): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured([...args, "--controller-namespace", ns.name], "", { cwd: dir, env });
}

/** The real kubeseal, run asynchronously: the stand-ins answer from this very process. */
async function kubeseal(args: string[], env: Record<string, string> = noKubeconfig): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(peerBin("kubeseal"), [...args, "--controller-namespace", ns.name], { env: { ...process.env, ...env }, cwd: dir, timeout: 60_000 }, (e, stdout, stderr) => {
      resolve({ status: e === null ? 0 : typeof e.code === "number" ? e.code : -1, stdout, stderr });
    });
  });
}

describe("kseal --fetch-cert with kubectl's connection flags against the real API server (a Service without endpoints)", () => {
  const real = (): string[] => ["--fetch-cert", "--server", peers.kube.server, "--token", token];

  it("--server --token --certificate-authority with no kubeconfig at all is authenticated and reaches the Service proxy, as kubeseal does", async () => {
    const flags = [...real(), "--certificate-authority", peers.kube.caFile];
    expect(await kseal(flags)).toEqual({ code: 1, stdout: "", stderr: NO_ENDPOINTS });
    expect(await kubeseal(flags)).toEqual(THEIR_NO_ENDPOINTS);
    // The Service lookup before the proxy call did succeed: a Service that does not exist fails there.
    expect((await kseal([...flags, "--controller-name", "no-such-service"])).stderr).toContain("SEALING_CONTROLLER_NOT_FOUND");
    // Without any flag or kubeconfig there is nothing to connect to.
    expect((await kseal(["--fetch-cert"])).stderr).toContain("KUBE_CONFIG_MISSING");
  });

  it("--insecure-skip-tls-verify works without the CA; without either, TLS verification fails", async () => {
    expect(await kseal([...real(), "--insecure-skip-tls-verify"])).toEqual({ code: 1, stdout: "", stderr: NO_ENDPOINTS });
    expect(await kseal([...real(), "--insecure-skip-tls-verify=true"])).toEqual({ code: 1, stdout: "", stderr: NO_ENDPOINTS });
    expect(await kubeseal([...real(), "--insecure-skip-tls-verify"])).toEqual(THEIR_NO_ENDPOINTS);
    expect(await kseal(real())).toEqual({ code: 1, stdout: "", stderr: "kseal: error: cannot reach the Kubernetes API server [KUBE_UNREACHABLE]\n" });
  });

  it("a wrong token: KUBE_UNAUTHORIZED and exit 1 (kubeseal fails too)", async () => {
    const flags = ["--fetch-cert", "--server", peers.kube.server, "--token", "not-a-valid-token", "--certificate-authority", peers.kube.caFile];
    expect((await kubeseal(flags)).status).not.toBe(0);
    expect(await kseal(flags)).toEqual({
      code: 1, stdout: "",
      stderr: "kseal: error: the Kubernetes API server rejected the credentials (HTTP 401 Unauthorized); check --token or the kubeconfig's user [KUBE_UNAUTHORIZED]\n",
    });
  });

  it("--as impersonates: a user without RBAC is refused, by name; with --as-group system:masters it gets through", async () => {
    const admin = ["--fetch-cert", "--kubeconfig", peers.kube.kubeconfig];
    const r = await kseal([...admin, "--as", "nobody"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `kseal: error: the Kubernetes API server refused the request (HTTP 403 Forbidden): services "${CONTROLLER}" is forbidden: User "nobody" cannot get resource "services" in API group "" in the namespace "${ns.name}" [KUBE_FORBIDDEN]\n`,
    );
    expect((await kubeseal([...admin, "--as", "nobody"])).status).not.toBe(0);
    const masters = [...admin, "--as", "nobody", "--as-group", "system:masters", "--as-group", "system:authenticated"];
    expect(await kseal(masters)).toEqual({ code: 1, stdout: "", stderr: NO_ENDPOINTS });
    expect(await kubeseal(masters)).toEqual(THEIR_NO_ENDPOINTS);
  });

  it("flags override the kubeconfig's context: its broken token gives way to --token, relative paths are the working directory's", async () => {
    const broken = join(dir, "broken-kubeconfig");
    writeFileSync(broken, [
      "apiVersion: v1", "kind: Config", "current-context: c",
      `clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]`,
      "users: [{name: u, user: {token: wrong}}]",
      "contexts: [{name: c, context: {cluster: k, user: u}}]", "",
    ].join("\n"));
    writeFileSync(join(dir, "ca.crt"), readFileSync(peers.kube.caFile));
    const flags = ["--fetch-cert", "--kubeconfig", broken, "--server", peers.kube.server, "--certificate-authority", "ca.crt"];
    expect((await kseal(flags)).stderr).toContain("KUBE_UNAUTHORIZED");
    expect(await kseal([...flags, "--token", token])).toEqual({ code: 1, stdout: "", stderr: NO_ENDPOINTS });
    expect(await kseal([...flags, "--token", token], { HOME: noKubeconfig.HOME, KUBECONFIG: broken })).toEqual({ code: 1, stdout: "", stderr: NO_ENDPOINTS });
  });
});

describe("kseal --fetch-cert side by side with kubeseal, through the loopback Service-proxy stand-in (HTTPS, its own CA and token)", () => {
  const flags = (): string[] => ["--fetch-cert", "--server", standIn.server, "--token", standIn.token, "--certificate-authority", standIn.caFile];

  it("--server --token --certificate-authority with no kubeconfig at all: the same certificate bytes as kubeseal", async () => {
    const theirs = await kubeseal(flags());
    expect(theirs.stderr).toBe("");
    expect(theirs.stdout).toBe(pem);
    expect(await kseal(flags())).toEqual({ code: 0, stdout: pem, stderr: "" });
    expect(await kseal(["--fetch-cert", "--server", standIn.server, "--token", standIn.token, "--insecure-skip-tls-verify"])).toEqual({ code: 0, stdout: pem, stderr: "" });
  });

  it("the stand-in's token and CA are what make it work: a wrong token or the API server's CA fails, for both tools", async () => {
    const wrongToken = ["--fetch-cert", "--server", standIn.server, "--token", "not-the-token", "--certificate-authority", standIn.caFile];
    expect((await kubeseal(wrongToken)).status).not.toBe(0);
    expect((await kseal(wrongToken)).stderr).toContain("KUBE_UNAUTHORIZED");
    const wrongCa = ["--fetch-cert", "--server", standIn.server, "--token", standIn.token, "--certificate-authority", peers.kube.caFile];
    expect((await kubeseal(wrongCa)).status).not.toBe(0);
    expect(await kseal(wrongCa)).toEqual({ code: 1, stdout: "", stderr: "kseal: error: cannot reach the Kubernetes API server [KUBE_UNREACHABLE]\n" });
  });

  it("klog's flags are accepted and ignored, on the same command line kubeseal takes", async () => {
    const klogged = ["-v", "5", "--logtostderr=true", "--alsologtostderr", "--log_dir", dir, "--skip_headers", "--vmodule", "x=2", ...flags()];
    const theirs = await kubeseal(klogged);
    expect(theirs.stdout, theirs.stderr.slice(0, 600)).toBe(pem);
    expect(await kseal(klogged)).toEqual({ code: 0, stdout: pem, stderr: "" });
    expect(await kseal([...klogged, "--request-timeout", "30s"])).toEqual({ code: 0, stdout: pem, stderr: "" });
    // kubeseal passes --request-timeout on as `?timeout=30s`, all the way to the controller.
    const timed = await kubeseal([...klogged, "--request-timeout", "30s"]);
    expect(timed.stdout, timed.stderr.slice(0, 600)).toBe(pem);
  });

  it("--version prints `kseal version: <package version>` and exits 0, as kubeseal prints its own", async () => {
    const theirs = await kubeseal(["--version"]);
    expect(theirs.status).toBe(0);
    expect(theirs.stdout).toMatch(/^kubeseal version: v\d+\.\d+\.\d+\n$/);
    const version = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
    expect(await runCliCaptured(["--version"])).toEqual({ code: 0, stdout: `kseal version: ${version}\n`, stderr: "" });
  });
});

describe("kseal reseal with kubectl's connection flags, through the stand-in", () => {
  it("fetches the newest certificate with --server --token --certificate-authority and no kubeconfig, as --fetch-cert does", async () => {
    const old = testKey(new Date("2024-01-01T00:00:00Z"));
    const cur = testKey(new Date("2025-01-01T00:00:00Z"));
    mkdirSync(join(dir, "reseal-repo"));
    writeFileSync(join(dir, "reseal-keys.pem"), old.privateKeyPem + cur.privateKeyPem);
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "apps" }, stringData: { pw: "pw-db" } };
    writeFileSync(join(dir, "reseal-repo/db.yaml"), printObject(sealSecret(secret, { publicKey: old.key.publicKey }), "yaml"));
    const connection = ["--server", standIn.server, "--token", standIn.token, "--certificate-authority", standIn.caFile];
    const saved = pem;
    pem = cur.certificatePem; // the stand-in controller now serves the newest key's certificate
    try {
      const wrong = await kseal(["reseal", "--recovery-private-key", "reseal-keys.pem", "--server", standIn.server, "--token", "not-the-token", "--certificate-authority", standIn.caFile, "reseal-repo"]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("KUBE_UNAUTHORIZED");
      const r = await kseal(["reseal", "--recovery-private-key", "reseal-keys.pem", ...connection, "--insecure-skip-tls-verify=false", "reseal-repo"]);
      expect(r.stderr).toContain("reseal: 1 resealed, 0 unchanged, 0 failed");
      expect(r.code).toBe(0);
    } finally {
      pem = saved;
    }
    const ss = parseDocuments(readFileSync(join(dir, "reseal-repo/db.yaml"), "utf8"))[0]?.object as SealedSecret;
    // Only the newest key opens it now: it was sealed with the certificate the flags fetched.
    expect(unsealSealedSecret(ss, new KeyRing([cur.key])).data?.pw).toBe(Buffer.from("pw-db").toString("base64"));
    expect(() => unsealSealedSecret(ss, new KeyRing([old.key]))).toThrow();
  });
});
