// ESO `caProvider.type: ConfigMap` on a Vault store, end to end: a private OpenBao serving https
// with its own generated CA; the SecretStore names a ConfigMap holding that CA. Without the CA the
// same store fails TLS verification, so the ConfigMap is what makes the connection trusted.
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVaultProvider } from "../../src/stores/vault/index.ts";
import { startPrivateBao, type PrivateBao } from "../stores/private-bao.ts";
import { testKube } from "../support/kube.ts";
import { harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-bao-tls-"));
let bao: PrivateBao;
let h: Harness;

/** A KV v2 write over https, trusting OpenBao's CA only. */
function write(path: string, data: Record<string, string>): Promise<void> {
  const url = new URL(`${bao.addr}/v1/secret/data/${path}`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: "POST", ca: bao.caPem, headers: { "X-Vault-Token": bao.token, "Content-Type": "application/json" } }, (res) => {
      res.resume();
      if (res.statusCode === 200 || res.statusCode === 204) resolve();
      else reject(new Error(`openbao write ${path}: HTTP ${String(res.statusCode)}`));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ data }));
  });
}

const vaultStore = (caProvider?: Record<string, unknown>): Record<string, unknown> => ({
  provider: {
    vault: {
      server: bao.addr, path: "secret", version: "v2",
      ...(caProvider === undefined ? {} : { caProvider }),
      auth: { tokenSecretRef: { name: "bao-token", key: "token" } },
    },
  },
});

beforeAll(async () => {
  bao = await startPrivateBao({ dir, tls: true });
  await write("app", { password: "s3cret" });
  h = await harness(kube, import.meta.filename, { vault: createVaultProvider() });
  await kube.core.createNamespacedSecret({ namespace: h.ns, body: { metadata: { name: "bao-token" }, stringData: { token: bao.token } } });
  await kube.core.createNamespacedConfigMap({ namespace: h.ns, body: { metadata: { name: "bao-ca" }, data: { "ca.crt": bao.caPem ?? "" } } });
}, 120_000);
afterAll(async () => {
  await h.cleanup();
  await bao.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("vault store with caProvider type ConfigMap", () => {
  it("trusts OpenBao's https through the CA in a ConfigMap of the store's namespace", async () => {
    await h.createStore("bao", vaultStore({ type: "ConfigMap", name: "bao-ca", key: "ca.crt" }));
    await h.createEs("app", { secretStoreRef: { name: "bao", kind: "SecretStore" }, data: [{ secretKey: "pw", remoteRef: { key: "app", property: "password" } }] });
    expect((await h.reconcile("app")).kind).toBe("ok");
    expect(await h.secretText("app")).toEqual({ pw: "s3cret" });
    expect((await h.reconcileStore("bao")).kind).toBe("ok");
  });

  it("without the CA the same store is not trusted, and a missing ConfigMap is named", async () => {
    await h.createStore("bao-noca", vaultStore());
    await h.createEs("noca", { secretStoreRef: { name: "bao-noca", kind: "SecretStore" }, data: [{ secretKey: "pw", remoteRef: { key: "app", property: "password" } }] });
    expect((await h.reconcile("noca")).kind).toBe("retry");
    expect(await h.secretText("noca")).toBeUndefined();

    await h.createStore("bao-gone", vaultStore({ type: "ConfigMap", name: "no-such-ca", key: "ca.crt" }));
    await h.createEs("gone", { secretStoreRef: { name: "bao-gone", kind: "SecretStore" }, data: [{ secretKey: "pw", remoteRef: { key: "app", property: "password" } }] });
    expect((await h.reconcile("gone")).kind).toBe("retry");
    expect(ready(await h.getEs("gone"))?.message).toContain(`ConfigMap ${h.ns}/no-such-ca not found`);
  });
});
