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
  await reconcileClusterExternalSecret(raw, kubeCesPorts(new KubeHttp(kube.access)));
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

  it("removes the ExternalSecret of a namespace that stops matching, and leaves foreign ones", async () => {
    await kube.core.patchNamespace({ name: nsName(0), body: { metadata: { labels: { [label]: null } } } }, MERGE);
    const status = await reconcile();
    expect(status.provisionedNamespaces).toEqual([nsName(2)]);
    expect(await esExists(nsName(0), "shared")).toBe(false);
    expect(await esExists(nsName(1), "shared")).toBe(true);
  });
});
