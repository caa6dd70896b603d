// kubeseal's client-go and klog flags in the kseal CLI: how they parse (pflag's spellings
// included), how kubectl's connection flags override a kubeconfig context (clientcmd's rules), the
// headers they put on the wire (checked on a local HTTP server's raw header lines), and
// --request-timeout against a server that never answers.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "../../cli/kseal/commands/seal.ts";
import { kubeClient } from "../../cli/kseal/commands/seal-kube.ts";
import { kubeOverrides, normalizeGoBooleans, parseRequestTimeout } from "../../cli/kseal/kube-flags.ts";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { resolveKubeConfig } from "../../src/kube/load-kubeconfig.ts";
import { thrown } from "../support/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-cli-kube-flags-"));
let http: Server;
let url = "";
/** Raw header lines of each request, lower-cased names, in order. */
const seen: [string, string][][] = [];
let silent: TcpServer;
let silentUrl = "";
const sockets: Socket[] = [];

beforeAll(async () => {
  http = createHttpServer((req, res) => {
    const lines: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push([(req.rawHeaders[i] ?? "").toLowerCase(), req.rawHeaders[i + 1] ?? ""]);
    seen.push(lines);
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`;
  // Accepts connections and never says a word: what a hung API server or load balancer looks like.
  silent = createTcpServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  silentUrl = `http://127.0.0.1:${String((silent.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((r) => http.close(r));
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function write(name: string, content: string): string {
  const d = join(dir, String(n++));
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, name), content);
  return join(d, name);
}

/**
 * Context `a` (current): cluster `k` (CA data, tls-server-name), user `ua` (token file `tok-a`).
 * Context `b`: cluster `k2`, user `ub` (token `tok-b`).
 */
function kubeconfig(server = url): string {
  const tokenFile = write("token", "tok-a\n");
  return write("config", stringify({
    apiVersion: "v1", kind: "Config", "current-context": "a",
    clusters: [
      { name: "k", cluster: { server, "certificate-authority-data": Buffer.from("ca-from-file").toString("base64"), "tls-server-name": "from-file" } },
      { name: "k2", cluster: { server: "https://10.0.0.2:6443" } },
    ],
    users: [{ name: "ua", user: { tokenFile } }, { name: "ub", user: { token: "tok-b" } }],
    contexts: [{ name: "a", context: { cluster: "k", user: "ua", namespace: "team-a" } }, { name: "b", context: { cluster: "k2", user: "ub" } }],
  }));
}

/** The header lines of one request sent with `overrides`, without the fixed ones. */
async function headersSent(target: Parameters<typeof kubeClient>[0]): Promise<[string, string][]> {
  const client = await kubeClient(target);
  seen.length = 0;
  await client.request("GET", "/x");
  return (seen[0] ?? []).filter(([k]) => k === "authorization" || k.startsWith("impersonate-"));
}

describe("parsing", () => {
  it("accepts every klog flag kubeseal lists, with and without values, and ignores them", () => {
    const { values } = parse([
      "-v", "5", "--v=3", "--vmodule", "x=2", "--logtostderr", "--alsologtostderr=false", "--alsologtostderrthreshold", "INFO",
      "--stderrthreshold=2", "--log_dir", "/tmp", "--log_file=/tmp/f", "--log_file_max_size", "10", "--log_backtrace_at", ":0",
      "--add_dir_header", "--skip_headers=true", "--skip_log_headers", "--one_output", "--legacy_stderr_threshold_behavior=false",
      "--fetch-cert",
    ]);
    expect(values["fetch-cert"]).toBe(true);
    expect(values.v).toBe("3");
  });

  it("accepts the connection flags; --as-group is repeatable", () => {
    const { values } = parse(["--server", "https://h", "--token=t", "--as", "jane", "--as-group", "g1", "--as-group", "g2", "--as-uid", "u1", "--insecure-skip-tls-verify", "--request-timeout", "10s"]);
    expect(values).toMatchObject({ server: "https://h", token: "t", as: "jane", "as-group": ["g1", "g2"], "as-uid": "u1", "insecure-skip-tls-verify": true, "request-timeout": "10s" });
  });

  it.each([
    { reason: "an unknown flag stays a usage error", args: ["--no-such-flag"], message: "Unknown option '--no-such-flag'" },
    { reason: "a Go boolean must be a boolean", args: ["--insecure-skip-tls-verify=maybe"], message: 'invalid argument "maybe" for "--insecure-skip-tls-verify" flag: not a boolean' },
  ])("CLI_USAGE: $reason", ({ args, message }) => {
    expect(thrown(() => parse(args))).toMatchObject({ code: "CLI_USAGE", message: expect.stringContaining(message) as unknown });
  });

  it.each([
    { args: ["--insecure-skip-tls-verify=true"], out: ["--insecure-skip-tls-verify"], reason: "=true is the flag" },
    { args: ["--raw=1", "--validate=T"], out: ["--raw", "--validate"], reason: "Go's other spellings of true" },
    { args: ["--fetch-cert=false", "-o", "yaml"], out: ["-o", "yaml"], reason: "=false is the flag's absence" },
    { args: ["--name=x=true"], out: ["--name=x=true"], reason: "string flags are left alone" },
    { args: ["--", "--raw=false"], out: ["--", "--raw=false"], reason: "nothing after --" },
  ])("Go booleans: $reason", ({ args, out }) => {
    expect(normalizeGoBooleans(args, new Set(["insecure-skip-tls-verify", "raw", "validate", "fetch-cert"]))).toEqual(out);
  });

  it.each([
    ["0", 0], ["", 0], ["30", 30_000], ["10s", 10_000], ["1m", 60_000], ["1h", 3_600_000], ["1m30s", 90_000], ["1.5s", 1500], ["250ms", 250], ["+2s", 2000],
  ] as const)("--request-timeout %j is %d ms", (value, ms) => {
    expect(parseRequestTimeout(value)).toBe(ms);
  });

  it.each(["-1", "-1s", "1x", "s", "1.5", "ten", "1s2"])("--request-timeout %j is a usage error", (value) => {
    expect(thrown(() => parseRequestTimeout(value))).toMatchObject({ code: "CLI_USAGE" });
  });

  it("flag paths are relative to the working directory; empty values count as unset; --proxy-url is refused by name", () => {
    expect(kubeOverrides({ "certificate-authority": "ca.crt", "client-key": "/abs/k", token: "", "as-group": ["", "g"] }, "/work/dir")).toEqual({
      certificateAuthority: "/work/dir/ca.crt", clientKey: "/abs/k", asGroups: ["g"],
    });
    expect(thrown(() => kubeOverrides({ "proxy-url": "http://proxy:3128" }, "/"))).toMatchObject({ code: "CLI_USAGE", message: expect.stringContaining("--proxy-url is not supported") as unknown });
  });
});

describe("precedence over the kubeconfig (clientcmd's rules)", () => {
  it("no flags: the context's token file", async () => {
    expect(await headersSent({ kubeconfig: kubeconfig(), env: {} })).toEqual([["authorization", "Bearer tok-a"]]);
  });

  it("--token replaces the context's token file", async () => {
    expect(await headersSent({ kubeconfig: kubeconfig(), env: {}, overrides: { token: "tok-flag" } })).toEqual([["authorization", "Bearer tok-flag"]]);
  });

  it("--user picks another user of the kubeconfig; --as, each --as-group (one header line each) and --as-uid impersonate", async () => {
    expect(await headersSent({ kubeconfig: kubeconfig(), env: {}, overrides: { user: "ub", as: "jane", asGroups: ["dev", "a,b"], asUid: "42" } })).toEqual([
      ["authorization", "Bearer tok-b"], ["impersonate-user", "jane"], ["impersonate-group", "dev"], ["impersonate-group", "a,b"], ["impersonate-uid", "42"],
    ]);
  });

  it("--username/--password is basic auth when no token is set", async () => {
    const server = write("config", stringify({ "current-context": "c", clusters: [{ name: "k", cluster: { server: url } }], contexts: [{ name: "c", context: { cluster: "k" } }] }));
    expect(await headersSent({ kubeconfig: server, env: {}, overrides: { username: "admin", password: "pw" } })).toEqual([["authorization", `Basic ${Buffer.from("admin:pw").toString("base64")}`]]);
  });

  it("--server and --token need no kubeconfig at all (namespace: default), and win over $KUBECONFIG's", async () => {
    const client = await kubeClient({ env: { HOME: join(dir, "nohome") }, overrides: { server: url, token: "only-flags" } });
    expect(client.namespace).toBe("default");
    expect(await headersSent({ env: { HOME: join(dir, "nohome") }, overrides: { server: url, token: "only-flags" } })).toEqual([["authorization", "Bearer only-flags"]]);
    expect(await headersSent({ env: { KUBECONFIG: kubeconfig("http://127.0.0.1:1") }, overrides: { server: url } })).toEqual([["authorization", "Bearer tok-a"]]);
  });

  it("--cluster picks another cluster; --server replaces the URL and the file's tls-server-name", () => {
    const file = kubeconfig("https://10.0.0.1:6443");
    expect(resolveKubeConfig({ kubeconfig: file, overrides: { cluster: "k2" } })).toMatchObject({ server: "https://10.0.0.2:6443" });
    const r = resolveKubeConfig({ kubeconfig: file, overrides: { server: "https://10.9.9.9:443/" } });
    expect(r).toMatchObject({ kind: "direct", server: "https://10.9.9.9:443", tls: { ca: Buffer.from("ca-from-file") } });
    expect(r.kind === "direct" ? r.tls.serverName : "?").toBeUndefined();
    expect(resolveKubeConfig({ kubeconfig: file, overrides: { tlsServerName: "flag-name" } })).toMatchObject({ tls: { serverName: "flag-name" } });
  });

  it("--certificate-authority replaces the file's CA data; --insecure-skip-tls-verify drops the CA", () => {
    const file = kubeconfig("https://10.0.0.1:6443");
    const ca = write("ca.crt", "ca-from-flag");
    const withCa = resolveKubeConfig({ kubeconfig: file, overrides: { certificateAuthority: ca } });
    expect(withCa).toMatchObject({ tls: { ca: Buffer.from("ca-from-flag"), insecureSkipVerify: false } });
    const insecure = resolveKubeConfig({ kubeconfig: file, overrides: { insecureSkipTlsVerify: true } });
    expect(insecure).toMatchObject({ tls: { insecureSkipVerify: true } });
    expect(insecure.kind === "direct" ? insecure.tls.ca : "?").toBeUndefined();
  });

  it("--client-certificate/--client-key replace the user's", () => {
    const cert = write("c.crt", "cert-pem");
    const key = write("c.key", "key-pem");
    expect(resolveKubeConfig({ overrides: { server: "https://h:6443", clientCertificate: cert, clientKey: key } })).toMatchObject({
      tls: { cert: Buffer.from("cert-pem"), key: Buffer.from("key-pem") },
    });
  });

  it.each([
    { reason: "a flag's file cannot be read", options: { overrides: { server: "https://h", certificateAuthority: join(dir, "absent.crt") } }, code: "KUBE_CONFIG_INVALID", message: "cannot read the certificate-authority file of the --server cluster" },
    { reason: "--server is not a URL", options: { overrides: { server: "h:6443" } }, code: "KUBE_CONFIG_INVALID", message: "the --server cluster has a server that is neither https:// nor http://" },
    { reason: "--cluster names no cluster of the kubeconfig", options: { kubeconfig: kubeconfig(), overrides: { cluster: "nope" } }, code: "KUBE_CONFIG_INVALID", message: 'cluster "nope" is not in the kubeconfig' },
    { reason: "flags in a pod without --server (the service account cannot take them)", options: { env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, overrides: { as: "jane" } }, code: "KUBE_CONFIG_MISSING", message: "connection flags need a kubeconfig or --server (in a cluster, the service account is used as is)" },
  ])("$code when $reason", ({ options, code, message }) => {
    expect(thrown(() => resolveKubeConfig(options))).toMatchObject({ code, message });
  });

  it("an exec user with other flags than --token is refused rather than run without them; with --token it is not run", () => {
    const file = write("config", stringify({
      "current-context": "c", clusters: [{ name: "k", cluster: { server: url } }],
      users: [{ name: "e", user: { exec: { command: "false", apiVersion: "client.authentication.k8s.io/v1" } } }],
      contexts: [{ name: "c", context: { cluster: "k", user: "e" } }],
    }));
    expect(thrown(() => resolveKubeConfig({ kubeconfig: file, overrides: { as: "jane" } }))).toMatchObject({
      code: "KUBE_CONFIG_INVALID", message: 'user "e" uses exec, which cannot be combined with connection flags other than --token',
    });
    expect(resolveKubeConfig({ kubeconfig: file, overrides: { token: "t" } })).toMatchObject({ kind: "direct", user: { bearer: { token: "t" } } });
  });
});

describe("the CLI", () => {
  it("--version prints the package version and exits 0", async () => {
    expect(await runCliCaptured(["--version"])).toEqual({ code: 0, stdout: "kseal version: 0.1.0\n", stderr: "" });
  });

  it("--request-timeout bounds a request to a server that never answers: KUBE_TIMEOUT, exit 1", async () => {
    const started = performance.now();
    const r = await runCliCaptured(["--fetch-cert", "--server", silentUrl, "--request-timeout", "300ms"], "", { env: { HOME: join(dir, "nohome") } });
    expect(r).toEqual({ code: 1, stdout: "", stderr: "kseal: error: the Kubernetes API server did not answer within the --request-timeout of 0.3s [KUBE_TIMEOUT]\n" });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it.each([
    { reason: "--proxy-url, even offline", args: ["--proxy-url", "http://p:3128", "--cert", "x.pem"], message: "--proxy-url is not supported; set proxy-url on the cluster in the kubeconfig instead" },
    { reason: "a bad --request-timeout", args: ["--request-timeout", "soon", "--fetch-cert"], message: 'invalid --request-timeout "soon": a whole number of seconds, or a number with a unit (e.g. 1s, 2m, 3h)' },
  ])("usage error (exit 2) for $reason", async ({ args, message }) => {
    expect(await runCliCaptured(args)).toEqual({ code: 2, stdout: "", stderr: `kseal: error: ${message} [CLI_USAGE]\n` });
  });

  it("the help lists the connection flags and says the klog flags are accepted and ignored", async () => {
    const { stdout } = await runCliCaptured(["--help"]);
    for (const flag of ["--server", "--token", "--as-group", "--request-timeout", "--insecure-skip-tls-verify", "--vmodule", "--log_dir", "--version"]) expect(stdout).toContain(flag);
    expect(stdout).toContain("klog flags, accepted and ignored");
  });
});
