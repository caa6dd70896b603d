// The in-cluster configuration from a service account directory and the pod's environment, with a
// temporary directory standing in for /var/run/secrets/kubernetes.io/serviceaccount.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kubeAccess } from "../../src/kube/access.ts";
import { loadKubeConfig, resolveKubeConfig } from "../../src/kube/load-kubeconfig.ts";
import { thrown } from "../support/errors.ts";

const root = mkdtempSync(join(tmpdir(), "kseal-in-cluster-"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
/** A service account directory with the given files. */
function serviceAccount(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(root, `sa-${String(n++)}-`));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const FULL = { token: "tok-1\n", "ca.crt": "CA PEM", namespace: "kseal-system\n" };
const env = (host: string, port = "443") => ({ KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port });

describe("in-cluster configuration", () => {
  it.each([
    { reason: "an IPv4 service address", host: "10.96.0.1", port: "443", server: "https://10.96.0.1:443" },
    { reason: "an IPv6 service address goes in brackets", host: "fd00:10:96::1", port: "443", server: "https://[fd00:10:96::1]:443" },
    { reason: "a host name", host: "kubernetes.default.svc", port: "6443", server: "https://kubernetes.default.svc:6443" },
    { reason: "always https, whatever the port", host: "10.96.0.1", port: "8080", server: "https://10.96.0.1:8080" },
  ])("$reason", ({ host, port, server }) => {
    const dir = serviceAccount(FULL);
    expect(resolveKubeConfig({ env: env(host, port), serviceAccountDir: dir })).toEqual({
      kind: "direct",
      server,
      namespace: "kseal-system",
      tls: { ca: Buffer.from("CA PEM"), insecureSkipVerify: false },
      user: { bearer: { tokenFile: join(dir, "token"), fallback: "tok-1" } },
    });
  });

  it("a --kubeconfig wins over the pod's environment", () => {
    const e = thrown(() => resolveKubeConfig({ kubeconfig: join(root, "none"), env: env("10.96.0.1"), serviceAccountDir: serviceAccount(FULL) }));
    expect({ code: e.code, message: e.message }).toEqual({ code: "KUBE_CONFIG_INVALID", message: "cannot read the kubeconfig file" });
  });

  it("KUBE_CONFIG_MISSING outside a cluster without --kubeconfig", () => {
    for (const e of [{}, { KUBERNETES_SERVICE_HOST: "" }]) {
      expect(thrown(() => loadKubeConfig({ env: e }))).toMatchObject({ code: "KUBE_CONFIG_MISSING", message: "no --kubeconfig given and not running in a cluster" });
    }
  });

  it("KUBE_CONFIG_INVALID without KUBERNETES_SERVICE_PORT", () => {
    const e = thrown(() => resolveKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "10.96.0.1" }, serviceAccountDir: serviceAccount(FULL) }));
    expect(e).toMatchObject({ code: "KUBE_CONFIG_INVALID", details: { path: "KUBERNETES_SERVICE_PORT" } });
  });

  it.each([
    { reason: "the CA is missing", files: { token: "t" }, file: "ca.crt", message: "cannot read the service account CA" },
    { reason: "the token is missing", files: { "ca.crt": "CA" }, file: "token", message: "cannot read the service account token" },
    { reason: "the token is empty", files: { "ca.crt": "CA", token: "\n" }, file: "token", message: "the service account token is empty" },
  ])("KUBE_CONFIG_INVALID naming the file when $reason", ({ files, file, message }) => {
    const dir = serviceAccount(files);
    const e = thrown(() => resolveKubeConfig({ env: env("10.96.0.1"), serviceAccountDir: dir }));
    expect({ code: e.code, message: e.message, path: e.details.path }).toEqual({ code: "KUBE_CONFIG_INVALID", message, path: join(dir, file) });
  });

  it("no namespace file: no namespace", () => {
    expect(resolveKubeConfig({ env: env("10.96.0.1"), serviceAccountDir: serviceAccount({ token: "t", "ca.crt": "CA" }) }).namespace).toBeUndefined();
  });

  it("a rotated token is sent from the next credential refresh on", async () => {
    const dir = serviceAccount(FULL);
    const access = kubeAccess(resolveKubeConfig({ env: env("10.96.0.1"), serviceAccountDir: dir }));
    expect((await access.credentials()).headers).toEqual({ authorization: "Bearer tok-1" });
    writeFileSync(join(dir, "token"), "tok-2");
    expect((await access.credentials()).headers).toEqual({ authorization: "Bearer tok-2" });
    // kubelet swaps the file by renaming a symlink; a read in between finds nothing.
    rmSync(join(dir, "token"));
    expect((await access.credentials()).headers).toEqual({ authorization: "Bearer tok-2" });
  });
});
