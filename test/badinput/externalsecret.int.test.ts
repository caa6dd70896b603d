// The ExternalSecret / SecretStore / ClusterSecretStore bad-input corpus against one real
// kseal-operator: refused by the CRDs with the field named, or reported with ESO's reasons; no
// Secret changed or created, no store value leaked.
import { afterAll } from "vitest";
import { waitFor } from "../peers/process.ts";
import { testKube } from "../support/kube.ts";
import { secretText } from "../operator/secrets.ts";
import { badInputSuite } from "./bench.ts";
import { ES_CASES, FIXTURE_VALUES, STORE_CASES, fixtureClusterStores, type EsCtx } from "./corpus-externalsecret.ts";

const G = { group: "external-secrets.io", version: "v1" } as const;
const fixtures: string[] = [];

badInputSuite<EsCtx>({
  title: "bad ExternalSecrets and stores (real kseal-operator, real API server)",
  file: import.meta.filename,
  crds: [
    "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml",
    "external-secrets.io_externalsecrets.yaml", "external-secrets.io_clusterexternalsecrets.yaml",
  ],
  controllers: "externalsecret",
  cases: [...ES_CASES, ...STORE_CASES],
  setup: async ({ kube, ns }) => {
    await kube.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: "vault-token" }, stringData: { token: "not-a-real-token" } } });
    await kube.custom.createNamespacedCustomObject({
      ...G, plural: "secretstores", namespace: ns,
      body: {
        apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "fake", namespace: ns },
        spec: { provider: { fake: { data: Object.entries(FIXTURE_VALUES).map(([key, value]) => ({ key, value })) } } },
      },
    });
    for (const body of fixtureClusterStores(ns)) {
      await kube.custom.createClusterCustomObject({ ...G, plural: "clustersecretstores", body });
      fixtures.push((body.metadata as { name: string }).name);
    }
    // Positive control: a good ExternalSecret syncs from the fixture store.
    await kube.custom.createNamespacedCustomObject({
      ...G, plural: "externalsecrets", namespace: ns,
      body: {
        apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "control", namespace: ns },
        spec: { secretStoreRef: { name: "fake", kind: "SecretStore" }, data: [{ secretKey: "k", remoteRef: { key: "db", property: "nested.a.b" } }] },
      },
    });
    await waitFor("the control Secret", async () => (await secretText(kube, ns, "control"))?.k === "c", 60_000);
    return { ns };
  },
});

afterAll(async () => {
  const kube = testKube();
  for (const name of fixtures) await kube.custom.deleteClusterCustomObject({ ...G, plural: "clustersecretstores", name }).catch(() => undefined);
});
