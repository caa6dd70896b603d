// ESO's `kubernetes` provider on the real API server: Secrets read from a remote namespace with
// token auth (a bearer token kept in a Secret) and serviceAccount auth (a TokenRequest token for a
// ServiceAccount that RBAC lets read that namespace only).
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
});
