// resolveKubeconfigFile: kubeconfig files as kubectl reads them — contexts, clusters, users,
// `…-data` versus file fields, paths relative to the kubeconfig, the users handed to client-node —
// and errors that name what is wrong without quoting any value.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import type { ResolvedAccess } from "../../src/kube/access.ts";
import { resolveKubeconfigFile } from "../../src/kube/kubeconfig-file.ts";
import { thrown } from "../support/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "kseal-kubeconfig-file-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET = "s3cr3t-t0ken-value";
const b64 = (s: string): string => Buffer.from(s).toString("base64");

let n = 0;
/** Writes `text` (or `config` as YAML) to a fresh file in `sub` of the temp dir; returns its path. */
function write(config: object | string, sub = ""): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  const file = join(d, `kubeconfig-${String(n++)}.yaml`);
  writeFileSync(file, typeof config === "string" ? config : stringify(config));
  return file;
}

function file(name: string, content: string, sub = ""): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, name), content);
  return join(d, name);
}

interface Parts {
  readonly cluster?: Record<string, unknown>;
  readonly user?: Record<string, unknown>;
  readonly context?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}

/** One cluster `k`, one user `u`, context `c` (current) plus `other` pointing at cluster `k2`. */
function kubeconfig(p: Parts = {}): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "c",
    clusters: [
      { name: "k", cluster: { server: "https://10.0.0.1:6443", ...p.cluster } },
      { name: "k2", cluster: { server: "https://10.0.0.2:6443/" } },
    ],
    users: [{ name: "u", user: { token: SECRET, ...p.user } }],
    contexts: [
      { name: "c", context: { cluster: "k", user: "u", ...p.context } },
      { name: "other", context: { cluster: "k2", user: "u", namespace: "team" } },
    ],
    ...p.extra,
  };
}

function direct(r: ResolvedAccess): Extract<ResolvedAccess, { kind: "direct" }> {
  if (r.kind !== "direct") throw new Error(`expected direct access, got ${r.kind}`);
  return r;
}

describe("contexts", () => {
  it("uses current-context, its cluster, user and namespace", () => {
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ context: { namespace: "apps" } }))));
    expect(r.server).toBe("https://10.0.0.1:6443");
    expect(r.namespace).toBe("apps");
    expect(r.user).toEqual({ bearer: { token: SECRET } });
    expect(r.tls).toEqual({ insecureSkipVerify: false });
  });

  it("--context overrides current-context; trailing slashes leave the server", () => {
    const r = resolveKubeconfigFile(write(kubeconfig()), "other");
    expect([r.server, r.namespace]).toEqual(["https://10.0.0.2:6443", "team"]);
  });

  it("an empty --context means the current one", () => {
    expect(resolveKubeconfigFile(write(kubeconfig()), "").server).toBe("https://10.0.0.1:6443");
  });

  it("a context without a user is anonymous", () => {
    const path = write({ "current-context": "c", clusters: [{ name: "k", cluster: { server: "http://127.0.0.1:8001" } }], contexts: [{ name: "c", context: { cluster: "k" } }] });
    expect(direct(resolveKubeconfigFile(path)).user).toEqual({});
  });

  it("the first of two entries with one name wins", () => {
    const config = kubeconfig();
    (config.clusters as unknown[]).push({ name: "k", cluster: { server: "https://10.9.9.9" } });
    expect(resolveKubeconfigFile(write(config)).server).toBe("https://10.0.0.1:6443");
  });

  it.each([
    { reason: "no current-context and no --context", config: kubeconfig({ extra: { "current-context": "" } }), context: undefined, message: "the kubeconfig has no current-context (choose one with --context)" },
    { reason: "--context names no context", config: kubeconfig(), context: "nope", message: 'context "nope" is not in the kubeconfig' },
    { reason: "the context names no cluster", config: kubeconfig({ context: { cluster: null } }), context: undefined, message: 'context "c" names no cluster' },
    { reason: "the context's cluster does not exist", config: kubeconfig({ context: { cluster: "gone" } }), context: undefined, message: 'cluster "gone" is not in the kubeconfig' },
    { reason: "the context's user does not exist (kubectl refuses it too)", config: kubeconfig({ context: { user: "gone" } }), context: undefined, message: 'user "gone" is not in the kubeconfig' },
    { reason: "the cluster has no server", config: kubeconfig({ cluster: { server: "" } }), context: undefined, message: 'cluster "k" has no server' },
    { reason: "the server is not a URL", config: kubeconfig({ cluster: { server: `https://admin:${SECRET}@[bad` } }), context: undefined, message: 'cluster "k" has a server that is not a URL' },
    { reason: "the server is not http(s)", config: kubeconfig({ cluster: { server: "ftp://10.0.0.1" } }), context: undefined, message: 'cluster "k" has a server that is neither https:// nor http://' },
    { reason: "clusters is not a list", config: kubeconfig({ extra: { clusters: { k: {} } } }), context: undefined, message: "clusters must be a list" },
    { reason: "a user body is not a mapping", config: kubeconfig({ extra: { users: [{ name: "u", user: "token" }] } }), context: undefined, message: 'user "u": user must be a mapping' },
    { reason: "a field has the wrong type", config: kubeconfig({ user: { token: 12345 } }), context: undefined, message: 'user "u": token must be a string' },
    { reason: "insecure-skip-tls-verify is not a boolean", config: kubeconfig({ cluster: { "insecure-skip-tls-verify": "true" } }), context: undefined, message: 'cluster "k": insecure-skip-tls-verify must be true or false' },
    { reason: "a -data field is not base64", config: kubeconfig({ cluster: { "certificate-authority-data": "not base64!" } }), context: undefined, message: 'cluster "k": certificate-authority-data is not base64' },
  ])("KUBE_CONFIG_INVALID when $reason", ({ config, context, message }) => {
    const path = write(config);
    const e = thrown(() => resolveKubeconfigFile(path, context));
    expect({ code: e.code, message: e.message, path: e.details.path }).toEqual({ code: "KUBE_CONFIG_INVALID", message, path });
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toContain(SECRET);
  });
});

describe("TLS settings", () => {
  it("reads -data fields as base64", () => {
    const r = direct(resolveKubeconfigFile(write(kubeconfig({
      cluster: { "certificate-authority-data": b64("CA PEM") },
      user: { "client-certificate-data": b64("CERT PEM"), "client-key-data": b64("KEY PEM") },
    }))));
    expect([r.tls.ca?.toString(), r.tls.cert?.toString(), r.tls.key?.toString()]).toEqual(["CA PEM", "CERT PEM", "KEY PEM"]);
  });

  it("accepts line-wrapped base64", () => {
    const data = b64("a CA long enough to be wrapped over more than one line of base64 text");
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ cluster: { "certificate-authority-data": `${data.slice(0, 20)}\n${data.slice(20)}` } }))));
    expect(r.tls.ca?.toString()).toBe("a CA long enough to be wrapped over more than one line of base64 text");
  });

  it("reads file fields relative to the kubeconfig's directory, not the working directory", () => {
    file("ca.crt", "CA FROM FILE", "rel/certs");
    file("client.crt", "CERT FROM FILE", "rel/certs");
    file("client.key", "KEY FROM FILE", "rel/certs");
    const path = write(kubeconfig({
      cluster: { "certificate-authority": "certs/ca.crt" },
      user: { "client-certificate": "./certs/client.crt", "client-key": join(dir, "rel/certs/client.key") },
    }), "rel");
    const r = direct(resolveKubeconfigFile(path));
    expect([r.tls.ca?.toString(), r.tls.cert?.toString(), r.tls.key?.toString()]).toEqual(["CA FROM FILE", "CERT FROM FILE", "KEY FROM FILE"]);
  });

  it("a -data field wins over its file twin, whose file is then never read (as in kubectl)", () => {
    const r = direct(resolveKubeconfigFile(write(kubeconfig({
      cluster: { "certificate-authority-data": b64("DATA"), "certificate-authority": "does/not/exist.crt" },
    }))));
    expect(r.tls.ca?.toString()).toBe("DATA");
  });

  it("an empty -data field counts as unset", () => {
    file("ca-empty-data.crt", "FILE");
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ cluster: { "certificate-authority-data": "", "certificate-authority": "ca-empty-data.crt" } }))));
    expect(r.tls.ca?.toString()).toBe("FILE");
  });

  it("takes insecure-skip-tls-verify and tls-server-name", () => {
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ cluster: { "insecure-skip-tls-verify": true, "tls-server-name": "kubernetes.default" } }))));
    expect(r.tls).toEqual({ insecureSkipVerify: true, serverName: "kubernetes.default" });
  });

  it("leaves a plain http:// server without TLS settings", () => {
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ cluster: { server: "http://127.0.0.1:8001" } }))));
    expect([r.server, r.tls]).toEqual(["http://127.0.0.1:8001", { insecureSkipVerify: false }]);
  });

  it("KUBE_CONFIG_INVALID naming the file when a referenced file is missing", () => {
    const path = write(kubeconfig({ user: { "client-key": "missing.key" } }), "missing");
    const e = thrown(() => resolveKubeconfigFile(path));
    expect({ code: e.code, message: e.message, details: e.details }).toEqual({
      code: "KUBE_CONFIG_INVALID", message: 'cannot read the client-key file of user "u"', details: { path, file: join(dir, "missing", "missing.key") },
    });
  });
});

describe("users", () => {
  it("a tokenFile is read now, relative to the kubeconfig, and kept for re-reading", () => {
    const tokenFile = file("token", `${SECRET}-from-file\n`, "tok");
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ user: { token: null, tokenFile: "token" } }), "tok")));
    expect(r.user).toEqual({ bearer: { tokenFile, fallback: `${SECRET}-from-file` } });
  });

  it("accepts client-node's token-file spelling", () => {
    const tokenFile = file("token-dash", "dash", "tok");
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ user: { token: null, "token-file": "token-dash" } }), "tok")));
    expect(r.user).toEqual({ bearer: { tokenFile, fallback: "dash" } });
  });

  it("a token beside an unreadable tokenFile is the fallback (as in client-go)", () => {
    const r = direct(resolveKubeconfigFile(write(kubeconfig({ user: { tokenFile: "/nonexistent/token" } }))));
    expect(r.user).toEqual({ bearer: { tokenFile: "/nonexistent/token", fallback: SECRET } });
  });

  it.each([
    { reason: "missing", tokenFile: "/nonexistent/token", message: 'cannot read the tokenFile of user "u"' },
    { reason: "empty", tokenFile: join(dir, "empty-token"), message: 'the tokenFile of user "u" is empty' },
  ])("KUBE_CONFIG_INVALID when the only token is a $reason tokenFile", ({ tokenFile, message }) => {
    writeFileSync(join(dir, "empty-token"), " \n");
    const path = write(kubeconfig({ user: { token: null, tokenFile } }));
    const e = thrown(() => resolveKubeconfigFile(path));
    expect({ code: e.code, message: e.message, details: e.details }).toEqual({ code: "KUBE_CONFIG_INVALID", message, details: { path, file: tokenFile } });
  });

  it("username and password are basic auth; a token wins over them", () => {
    const basic = direct(resolveKubeconfigFile(write(kubeconfig({ user: { token: null, username: "admin", password: SECRET } }))));
    expect(basic.user).toEqual({ basic: { username: "admin", password: SECRET } });
    const both = direct(resolveKubeconfigFile(write(kubeconfig({ user: { username: "admin", password: "pw" } }))));
    expect(both.user.bearer).toEqual({ token: SECRET });
  });

  it("`as` impersonates", () => {
    expect(direct(resolveKubeconfigFile(write(kubeconfig({ user: { as: "jane" } })))).user.impersonate).toBe("jane");
  });

  it.each([
    { reason: "exec", parts: { user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws" } } } },
    { reason: "auth-provider", parts: { user: { "auth-provider": { name: "oidc", config: {} } } } },
    { reason: "proxy-url", parts: { cluster: { "proxy-url": "socks5://127.0.0.1:1080" } } },
  ])("a $reason kubeconfig is handed to client-node with its absolute path and context", ({ reason, parts }) => {
    const path = write(kubeconfig({ ...parts, context: { namespace: "ns1" } }));
    expect(resolveKubeconfigFile(path)).toEqual({ kind: "client-node", server: "https://10.0.0.1:6443", namespace: "ns1", reason, kubeconfig: path, context: "c" });
  });
});

describe("unreadable kubeconfigs", () => {
  it("KUBE_CONFIG_INVALID with the path when the file cannot be read", () => {
    const path = join(dir, "no-such-kubeconfig");
    const e = thrown(() => resolveKubeconfigFile(path));
    expect({ code: e.code, message: e.message, details: e.details }).toEqual({ code: "KUBE_CONFIG_INVALID", message: "cannot read the kubeconfig file", details: { path, file: path } });
  });

  it("malformed YAML: line and column only — the parser's message, which quotes the lines, is dropped", () => {
    const path = write(`apiVersion: v1\nusers: [{name: u, user: {token: ${SECRET}}\ncurrent-context: c\n`);
    const e = thrown(() => resolveKubeconfigFile(path));
    expect({ code: e.code, message: e.message, path: e.details.path, line: typeof e.details.line }).toEqual({
      code: "KUBE_CONFIG_INVALID", message: "the kubeconfig is not valid YAML", path, line: "number",
    });
    expect(e.cause).toBeUndefined();
    expect(JSON.stringify(e.details) + e.message + String(e.stack)).not.toContain(SECRET);
  });

  it.each([
    { reason: "a list", text: "- a\n- b\n" },
    { reason: "a scalar", text: "just text\n" },
    { reason: "empty", text: "" },
  ])("KUBE_CONFIG_INVALID when the YAML is $reason", ({ text }) => {
    const path = write(text);
    expect(thrown(() => resolveKubeconfigFile(path))).toMatchObject({ code: "KUBE_CONFIG_INVALID", message: "the kubeconfig is not a YAML mapping", details: { path } });
  });
});
