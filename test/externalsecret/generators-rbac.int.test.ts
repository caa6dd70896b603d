// The chart's RBAC covers generators: kseal-operator, running with the token of the chart's own
// ServiceAccount (watchNamespace: the namespaced rules are a Role), reads a Password (Role) and a
// ClusterGenerator (ClusterRole) on demand and writes their values, without a forbidden answer.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { chartRbac, kubectl, serviceAccountKubeconfig } from "../deploy/chart-rbac.ts";

const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-gen-rbac-"));
const V = "generators.external-secrets.io/v1alpha1";
const GEN = { group: "generators.external-secrets.io", version: "v1alpha1" } as const;
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;
let rbacYaml = "";
let clusterGen = "";

beforeAll(async () => {
  await applyProjectCrds(kube, "external-secrets.io_externalsecrets.yaml", "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml",
    "external-secrets.io_clusterexternalsecrets.yaml", "generators.external-secrets.io_passwords.yaml", "generators.external-secrets.io_uuids.yaml",
    "generators.external-secrets.io_clustergenerators.yaml");
  ns = await createNamespace(kube, "kseal-gen-rbac");
  clusterGen = `digits-${ns.name}`.slice(0, 63);
  rbacYaml = chartRbac(ns.name);
  kubectl(["apply", "--server-side", "--field-manager=kseal-deploy-test", "-f", "-"], rbacYaml);
  const kubeconfig = await serviceAccountKubeconfig(kube, ns.name, dir);
  await kube.custom.createNamespacedCustomObject({ ...GEN, namespace: ns.name, plural: "passwords", body: { apiVersion: V, kind: "Password", metadata: { name: "pw" }, spec: { length: 20 } } });
  await kube.custom.createClusterCustomObject({
    ...GEN, plural: "clustergenerators",
    body: { apiVersion: V, kind: "ClusterGenerator", metadata: { name: clusterGen }, spec: { kind: "Password", generator: { passwordSpec: { length: 8, digits: 8, symbols: 0, allowRepeat: true } } } },
  });
  await kube.custom.createNamespacedCustomObject({
    group: "external-secrets.io", version: "v1", namespace: ns.name, plural: "externalsecrets",
    body: {
      apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "gen" },
      spec: {
        refreshPolicy: "CreatedOnce",
        dataFrom: [
          { sourceRef: { generatorRef: { apiVersion: V, kind: "Password", name: "pw" } } },
          { sourceRef: { generatorRef: { apiVersion: V, kind: "ClusterGenerator", name: clusterGen } }, rewrite: [{ regexp: { source: "password", target: "pin" } }] },
        ],
      },
    },
  });
  // A repeated --kubeconfig keeps the last value: the ServiceAccount's.
  op = await startOperator({ namespace: ns.name, args: [`--kubeconfig=${kubeconfig}`, "--controllers=externalsecret"] });
}, 180_000);

afterAll(async () => {
  await op?.stop();
  if (rbacYaml !== "") kubectl(["delete", "--ignore-not-found", "-f", "-"], rbacYaml);
  await kube.custom.deleteClusterCustomObject({ ...GEN, plural: "clustergenerators", name: clusterGen }).catch(() => undefined);
  await ns.remove();
});

describe("generators under the chart's ServiceAccount", () => {
  it("a Password (Role) and a ClusterGenerator (ClusterRole) are read and generated", async () => {
    const s = await waitFor("the generated Secret", async () => {
      const sec = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "gen" }).catch(() => undefined);
      return sec?.data?.pin === undefined ? undefined : sec;
    }, 60_000);
    expect(Object.keys(s.data ?? {}).sort()).toEqual(["password", "pin"]);
    expect(Buffer.from(s.data?.pin ?? "", "base64").toString()).toMatch(/^[0-9]{8}$/);
    expect(op?.lines.filter((l) => /forbidden/i.test(l)) ?? []).toEqual([]);
  });
});
