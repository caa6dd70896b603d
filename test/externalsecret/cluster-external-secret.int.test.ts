// ClusterExternalSecret on the real API server: ExternalSecrets in every selected namespace,
// status listing provisioned and failed namespaces, cleanup when a namespace stops matching.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setHeaderOptions } from "@kubernetes/client-node";
import { reconcileClusterExternalSecret } from "../../src/operator/clusterexternalsecret/index.ts";
import { kubeCesPorts } from "../../src/operator/clusterexternalsecret/kube.ts";
import { KubeHttp } from "../../src/kube/client.ts";
import { createNamespace, testKube, uniqueName } from "../support/kube.ts";
import { installEsoCrds } from "../crd/apply-crds.ts";

const kube = testKube();
const G = { group: "external-secrets.io", version: "v1" } as const;
const MERGE = setHeaderOptions("Content-Type", "application/merge-patch+json");
const nss: { name: string; remove: () => Promise<void> }[] = [];
const label = uniqueName("ces-label");
const cesName = uniqueName("ces");
/** The updates the reconciles made (creates and deletes are checked on the objects). */
const writes: string[] = [];

async function esExists(ns: string, name: string): Promise<boolean> {
  try {
    await kube.custom.getNamespacedCustomObject({ ...G, namespace: ns, plural: "externalsecrets", name });
    return true;
  } catch {
    return false;
  }
}

async function reconcile(): Promise<{ provisionedNamespaces: string[]; failedNamespaces: { namespace: string; reason: string }[]; conditions: { status: string; message: string }[] }> {
  const raw: unknown = await kube.custom.getClusterCustomObject({ ...G, plural: "clusterexternalsecrets", name: cesName });
  const ports = kubeCesPorts(new KubeHttp(kube.access));
  await reconcileClusterExternalSecret(raw, {
    ...ports,
    replaceExternalSecret: (ns, name, body) => {
      writes.push(`replace ${ns}/${name}`);
      return ports.replaceExternalSecret(ns, name, body);
    },
    writeStatus: (name, status) => {
      writes.push(`status ${name}`);
      return ports.writeStatus(name, status);
    },
  });
  const got = (await kube.custom.getClusterCustomObject({ ...G, plural: "clusterexternalsecrets", name: cesName })) as { status: never };
  return got.status;
}

const nsName = (i: number): string => nss[i]?.name ?? "";

beforeAll(async () => {
  await installEsoCrds(kube);
  for (let i = 0; i < 3; i++) nss.push(await createNamespace(kube, `${import.meta.filename}-${String(i)}`));
  for (const i of [0, 1]) await kube.core.patchNamespace({ name: nsName(i), body: { metadata: { labels: { [label]: "yes" } } } }, MERGE);
  // Namespace 1 already has an ExternalSecret of that name that the CES does not own.
  await kube.custom.createNamespacedCustomObject({
    ...G, namespace: nsName(1), plural: "externalsecrets",
    body: { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "shared" }, spec: { secretStoreRef: { name: "s", kind: "SecretStore" }, data: [{ secretKey: "a", remoteRef: { key: "a" } }] } },
  });
  await kube.custom.createClusterCustomObject({
    ...G, plural: "clusterexternalsecrets",
    body: {
      apiVersion: "external-secrets.io/v1", kind: "ClusterExternalSecret", metadata: { name: cesName },
      spec: {
        externalSecretName: "shared",
        externalSecretMetadata: { labels: { team: "x" } },
        namespaceSelectors: [{ matchLabels: { [label]: "yes" } }],
        namespaces: [nsName(2)],
        refreshTime: "1m",
        externalSecretSpec: { secretStoreRef: { name: "s", kind: "SecretStore" }, data: [{ secretKey: "a", remoteRef: { key: "a" } }] },
      },
    },
  });
});
afterAll(async () => {
  await kube.custom.deleteClusterCustomObject({ ...G, plural: "clusterexternalsecrets", name: cesName }).catch(() => undefined);
  for (const n of nss) await n.remove();
});

describe("ClusterExternalSecret", () => {
  it("provisions selected namespaces and reports the one it may not take over", async () => {
    const status = await reconcile();
    expect(status.provisionedNamespaces).toEqual([nsName(0), nsName(2)].sort());
    expect(status.failedNamespaces).toEqual([{ namespace: nsName(1), reason: "external secret already exists in namespace" }]);
    expect(status.conditions[0]).toMatchObject({ status: "False", message: "one or more namespaces failed" });
    const es = (await kube.custom.getNamespacedCustomObject({ ...G, namespace: nsName(0), plural: "externalsecrets", name: "shared" })) as {
      metadata: { labels: Record<string, string>; ownerReferences: { kind: string; name: string }[] };
      spec: { target: { creationPolicy: string } };
    };
    expect(es.metadata.labels.team).toBe("x");
    expect(es.metadata.ownerReferences[0]).toMatchObject({ kind: "ClusterExternalSecret", name: cesName });
    expect(es.spec.target.creationPolicy).toBe("Owner");
  });

  it("writes nothing when nothing changed: the ExternalSecrets and the status keep their resourceVersions", async () => {
    const esVersion = async (): Promise<string> =>
      ((await kube.custom.getNamespacedCustomObject({ ...G, namespace: nsName(2), plural: "externalsecrets", name: "shared" })) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const cesVersion = async (): Promise<string> =>
      ((await kube.custom.getClusterCustomObject({ ...G, plural: "clusterexternalsecrets", name: cesName })) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const [es0, ces0] = [await esVersion(), await cesVersion()];
    writes.length = 0;
    const status = await reconcile();
    expect(status.provisionedNamespaces).toEqual([nsName(0), nsName(2)].sort());
    expect(writes).toEqual([]);
    expect([await esVersion(), await cesVersion()]).toEqual([es0, ces0]);
    // A change of what the ExternalSecrets should carry is written, and only that.
    await kube.custom.patchClusterCustomObject({
      ...G, plural: "clusterexternalsecrets", name: cesName, body: { spec: { externalSecretMetadata: { labels: { team: "y" } } } },
    }, MERGE);
    const ces1 = await cesVersion();
    await reconcile();
    expect(writes).toEqual([nsName(0), nsName(2)].sort().map((n) => `replace ${n}/shared`));
    const es = (await kube.custom.getNamespacedCustomObject({ ...G, namespace: nsName(2), plural: "externalsecrets", name: "shared" })) as { metadata: { labels: Record<string, string>; resourceVersion: string } };
    expect(es.metadata.labels.team).toBe("y");
    expect(es.metadata.resourceVersion).not.toBe(es0);
    expect(await cesVersion()).toBe(ces1);
  });

  it("removes the ExternalSecret of a namespace that stops matching, and leaves foreign ones", async () => {
    await kube.core.patchNamespace({ name: nsName(0), body: { metadata: { labels: { [label]: null } } } }, MERGE);
    const status = await reconcile();
    expect(status.provisionedNamespaces).toEqual([nsName(2)]);
    expect(await esExists(nsName(0), "shared")).toBe(false);
    expect(await esExists(nsName(1), "shared")).toBe(true);
  });
});
