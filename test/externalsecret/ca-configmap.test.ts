// `caProvider.type: ConfigMap` (ESO): which namespace a store may read the CA ConfigMap from, and
// that the Vault provider hands the ConfigMap's PEM to its port.
import { describe, expect, it } from "vitest";
import { KsealError } from "../../src/errors.ts";
import { configMapNamespace, storeContext, type StoreReadPort } from "../../src/operator/secretstore/index.ts";
import type { StoreContext } from "../../src/stores/contract.ts";
import { createVaultProvider, type VaultPort } from "../../src/stores/vault/index.ts";
import { makeStore } from "./fixtures.ts";

describe("configMapNamespace (ESO's caProvider namespace rules)", () => {
  it.each([
    { reason: "a SecretStore reads its own namespace", kind: "SecretStore" as const, storeNs: "team", refNs: undefined, want: "team" },
    { reason: "a SecretStore may repeat its own namespace", kind: "SecretStore" as const, storeNs: "team", refNs: "team", want: "team" },
    { reason: "a ClusterSecretStore reads the namespace it names", kind: "ClusterSecretStore" as const, storeNs: undefined, refNs: "certs", want: "certs" },
  ])("$reason", ({ kind, storeNs, refNs, want }) => {
    const ref = { name: "ca", key: "ca.crt", ...(refNs === undefined ? {} : { namespace: refNs }) };
    expect(configMapNamespace(makeStore(kind, storeNs), ref, "es-ns")).toBe(want);
  });

  it.each([
    {
      reason: "a ClusterSecretStore without caProvider.namespace (ESO: missing namespace)",
      kind: "ClusterSecretStore" as const, storeNs: undefined, refNs: undefined,
      message: 'ClusterSecretStore "vault": caProvider.namespace is required to read ConfigMap "ca"',
    },
    {
      reason: "a SecretStore naming another namespace (ESO: namespace not allowed)",
      kind: "SecretStore" as const, storeNs: "team", refNs: "kube-system",
      message: 'SecretStore "vault": caProvider.namespace "kube-system" is not allowed, a SecretStore reads ConfigMaps of its own namespace "team"',
    },
  ])("rejects $reason", ({ kind, storeNs, refNs, message }) => {
    const ref = { name: "ca", key: "ca.crt", ...(refNs === undefined ? {} : { namespace: refNs }) };
    let err: unknown;
    try {
      configMapNamespace(makeStore(kind, storeNs), ref, "es-ns");
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(KsealError);
    expect((err as KsealError).code).toBe("STORE_INVALID_CONFIG");
    expect((err as KsealError).message).toBe(message);
  });
});

describe("storeContext.readConfigMapKey", () => {
  const reads: string[] = [];
  const port: StoreReadPort = {
    getSecretStore: () => Promise.resolve(undefined),
    getClusterSecretStore: () => Promise.resolve(undefined),
    getNamespace: () => Promise.resolve(undefined),
    readSecretKey: () => Promise.reject(new Error("unused")),
    readConfigMapKey: (namespace, name, key) => {
      reads.push(`${namespace}/${name}/${key}`);
      return Promise.resolve(new TextEncoder().encode("PEM"));
    },
    createServiceAccountToken: () => Promise.reject(new Error("unused")),
  };
  const deps = { reads: port, providers: () => Promise.reject(new Error("unused")), controllerClass: "", now: () => 0 };

  it("reads through the port in the namespace the rules pick, and rejects before any read otherwise", async () => {
    reads.length = 0;
    await storeContext(makeStore("SecretStore", "team"), "team", deps).readConfigMapKey({ name: "ca", key: "ca.crt" });
    await storeContext(makeStore("ClusterSecretStore"), "app", deps).readConfigMapKey({ name: "ca", key: "ca.crt", namespace: "certs" });
    await expect(storeContext(makeStore("ClusterSecretStore"), "app", deps).readConfigMapKey({ name: "ca", key: "ca.crt" })).rejects.toMatchObject({ code: "STORE_INVALID_CONFIG" });
    expect(reads).toEqual(["team/ca/ca.crt", "certs/ca/ca.crt"]);
  });
});

describe("vault provider with caProvider.type ConfigMap", () => {
  it("passes the ConfigMap's PEM to the port, read through readConfigMapKey", async () => {
    const seen: { caPem?: string }[] = [];
    const refs: unknown[] = [];
    const fake: VaultPort = { request: () => Promise.resolve({ status: 404, body: { errors: [] } }) };
    const provider = createVaultProvider({
      port: (opts) => {
        seen.push(opts);
        return fake;
      },
    });
    const ctx: StoreContext = {
      storeKind: "ClusterSecretStore",
      storeName: "vault",
      namespace: "app",
      providerSpec: { server: "https://vault:8200", caProvider: { type: "ConfigMap", name: "vault-ca", key: "ca.crt", namespace: "certs" }, auth: { tokenSecretRef: { name: "t", key: "token", namespace: "certs" } } },
      readSecretKey: () => Promise.reject(new Error("a ConfigMap CA must not be read from a Secret")),
      readConfigMapKey: (ref) => {
        refs.push(ref);
        return Promise.resolve(new TextEncoder().encode("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n"));
      },
      createServiceAccountToken: () => Promise.reject(new Error("unused")),
      now: () => 0,
    };
    await provider.newClient(ctx);
    expect(refs).toEqual([{ name: "vault-ca", key: "ca.crt", namespace: "certs" }]);
    expect(seen[0]?.caPem).toBe("-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n");
  });
});
