// ESO's `kubernetes` provider on the real API server: Secrets read from a remote namespace with
// token auth (a bearer token kept in a Secret) and serviceAccount auth (a TokenRequest token for a
// ServiceAccount that RBAC lets read that namespace only); the API server's CA read from a ConfigMap
// (ESO `caProvider.type: ConfigMap`) by a SecretStore and a ClusterSecretStore.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createNamespace, testKube } from "../support/kube.ts";
import { harness, ready, type Harness } from "./kube-support.ts";

const kube = testKube();
let h: Harness;
let source: { name: string; remove: () => Promise<void> };
const peers = inject("peers");

beforeAll(async () => {
  h = await harness(kube, import.meta.filename);
  source = await createNamespace(kube, `${import.meta.filename}-src`);
  await kube.core.createNamespacedSecret({
    namespace: source.name,
    body: { metadata: { name: "db", labels: { app: "db" } }, stringData: { username: "alice", password: "s3cret", config: '{"port":5432}' } },
  });
  await kube.core.createNamespacedSecret({ namespace: source.name, body: { metadata: { name: "cache", labels: { app: "cache" } }, stringData: { url: "redis://c" } } });
  await kube.core.createNamespacedConfigMap({ namespace: h.ns, body: { metadata: { name: "remote-ca" }, data: { "ca.crt": readFileSync(peers.kube.caFile, "utf8") } } });
  const user = kube.kc.getCurrentUser();
  await kube.core.createNamespacedSecret({ namespace: h.ns, body: { metadata: { name: "remote-token" }, stringData: { token: user?.token ?? "" } } });
  // A reader ServiceAccount in our namespace allowed to read Secrets of the source namespace only.
  await kube.core.createNamespacedServiceAccount({ namespace: h.ns, body: { metadata: { name: "reader" } } });
  const rbac = kube.kc.makeApiClient((await import("@kubernetes/client-node")).RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: source.name, body: { metadata: { name: "read-secrets" }, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace: source.name,
    body: {
      metadata: { name: "reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-secrets" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: h.ns }],
    },
  });
});
afterAll(async () => {
  await source.remove();
  await h.cleanup();
});

const server = (): Record<string, unknown> => ({ url: peers.kube.server, caBundle: Buffer.from(readFileSync(peers.kube.caFile)).toString("base64") });

describe("kubernetes provider", () => {
  it("token auth: data by property, dataFrom extract and find by label", async () => {
    await h.createStore("remote", { provider: { kubernetes: { remoteNamespace: source.name, server: server(), auth: { token: { bearerToken: { name: "remote-token", key: "token" } } } } } });
    await h.createEs("app", {
      secretStoreRef: { name: "remote", kind: "SecretStore" },
      data: [
        { secretKey: "user", remoteRef: { key: "db", property: "username" } },
        { secretKey: "config", remoteRef: { key: "db", property: "config" } },
      ],
      dataFrom: [{ extract: { key: "cache" } }, { find: { tags: { app: "db" } }, rewrite: [{ regexp: { source: "^db$", target: "db_json" } }] }],
    });
    await h.reconcile("app");
    expect(ready(await h.getEs("app"))).toEqual({ status: "True", reason: "SecretSynced", message: "secret synced" });
    const got = await h.secretText("app");
    expect(got).toMatchObject({ user: "alice", config: '{"port":5432}', url: "redis://c" });
    expect(JSON.parse(got?.db_json ?? "{}")).toEqual({ username: "alice", password: "s3cret", config: '{"port":5432}' });
  });

  it("serviceAccount auth through TokenRequest, confined by RBAC", async () => {
    await h.createStore("sa", { provider: { kubernetes: { remoteNamespace: source.name, server: server(), auth: { serviceAccount: { name: "reader" } } } } });
    await h.createEs("via-sa", { secretStoreRef: { name: "sa", kind: "SecretStore" }, data: [{ secretKey: "pw", remoteRef: { key: "db", property: "password" } }] });
    await h.reconcile("via-sa");
    expect(await h.secretText("via-sa")).toEqual({ pw: "s3cret" });
    expect((await h.reconcileStore("sa")).kind).toBe("ok");
  });

  it("a remote Secret that does not exist is SECRET_NOT_FOUND (drives deletionPolicy)", async () => {
    await h.createEs("gone", { secretStoreRef: { name: "sa", kind: "SecretStore" }, target: { deletionPolicy: "Delete" }, data: [{ secretKey: "x", remoteRef: { key: "nope" } }] });
    expect(await h.reconcile("gone")).toMatchObject({ kind: "ok" });
    expect(ready(await h.getEs("gone"))?.reason).toBe("SecretDeleted");
  });

  it("RBAC denial is a permission error and keeps the Secret out", async () => {
    await h.createStore("denied", { provider: { kubernetes: { remoteNamespace: h.ns, server: server(), auth: { serviceAccount: { name: "reader" } } } } });
    await h.createEs("denied", { secretStoreRef: { name: "denied", kind: "SecretStore" }, data: [{ secretKey: "x", remoteRef: { key: "remote-token", property: "token" } }] });
    expect((await h.reconcile("denied")).kind).toBe("retry");
    expect(ready(await h.getEs("denied"))?.message).toBe('kubernetes: permission denied on secret "remote-token" of store "denied" (get)');
    expect(await h.secretText("denied")).toBeUndefined();
  });

  it("caProvider type ConfigMap: the CA comes from a ConfigMap key (SecretStore: its own namespace)", async () => {
    const spec = (key: string): Record<string, unknown> => ({
      provider: {
        kubernetes: {
          remoteNamespace: source.name,
          server: { url: peers.kube.server, caProvider: { type: "ConfigMap", name: "remote-ca", key } },
          auth: { token: { bearerToken: { name: "remote-token", key: "token" } } },
        },
      },
    });
    await h.createStore("cm-ca", spec("ca.crt"));
    await h.createEs("cm-ca", { secretStoreRef: { name: "cm-ca", kind: "SecretStore" }, data: [{ secretKey: "user", remoteRef: { key: "db", property: "username" } }] });
    expect((await h.reconcile("cm-ca")).kind).toBe("ok");
    expect(await h.secretText("cm-ca")).toEqual({ user: "alice" });
    expect((await h.reconcileStore("cm-ca")).kind).toBe("ok");

    await h.createStore("cm-ca-nokey", spec("missing.crt"));
    await h.createEs("cm-ca-nokey", { secretStoreRef: { name: "cm-ca-nokey", kind: "SecretStore" }, data: [{ secretKey: "user", remoteRef: { key: "db", property: "username" } }] });
    expect((await h.reconcile("cm-ca-nokey")).kind).toBe("retry");
    expect(ready(await h.getEs("cm-ca-nokey"))?.message).toContain(`key "missing.crt" of ConfigMap ${h.ns}/remote-ca not found`);
    expect(await h.secretText("cm-ca-nokey")).toBeUndefined();
  });

  it("caProvider type ConfigMap on a ClusterSecretStore: caProvider.namespace is required, as in ESO", async () => {
    const spec = (caNs: string | undefined): Record<string, unknown> => ({
      provider: {
        kubernetes: {
          remoteNamespace: source.name,
          server: { url: peers.kube.server, caProvider: { type: "ConfigMap", name: "remote-ca", key: "ca.crt", ...(caNs === undefined ? {} : { namespace: caNs }) } },
          auth: { token: { bearerToken: { name: "remote-token", key: "token", namespace: h.ns } } },
        },
      },
    });
    const named = `${h.ns}-cm-ca`;
    const unnamed = `${h.ns}-cm-ca-nons`;
    await h.createClusterStore(named, spec(h.ns));
    await h.createClusterStore(unnamed, spec(undefined));
    await h.createEs("cluster-cm-ca", { secretStoreRef: { name: named, kind: "ClusterSecretStore" }, data: [{ secretKey: "pw", remoteRef: { key: "db", property: "password" } }] });
    expect((await h.reconcile("cluster-cm-ca")).kind).toBe("ok");
    expect(await h.secretText("cluster-cm-ca")).toEqual({ pw: "s3cret" });

    await h.createEs("cluster-cm-ca-nons", { secretStoreRef: { name: unnamed, kind: "ClusterSecretStore" }, data: [{ secretKey: "pw", remoteRef: { key: "db", property: "password" } }] });
    await h.reconcile("cluster-cm-ca-nons");
    expect(ready(await h.getEs("cluster-cm-ca-nons"))?.message).toContain('caProvider.namespace is required to read ConfigMap "remote-ca"');
    expect(await h.secretText("cluster-cm-ca-nons")).toBeUndefined();
  });
});
