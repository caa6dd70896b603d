/**
 * The chart's RBAC is enough, not just valid: kseal-operator runs on the real API server with the
 * token of the chart's own ServiceAccount (rendered with watchNamespace, applied for real), serves
 * its certificate and age recipient, and turns an ExternalSecret, a SealedSecret and a SopsSecret
 * into Secrets (status patches included) without one forbidden answer.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { runPeer } from "../support/bins.ts";
import { applyCrd, createNamespace, testKube } from "../support/kube.ts";
import { ISINDIR_CRD } from "../support/isindir-crd.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { chartRbac, kubectl, serviceAccountKubeconfig } from "./chart-rbac.ts";

const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-rbac-"));
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;
let rbacYaml = "";

async function secretKeys(name: string): Promise<string[] | undefined> {
  const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name }).catch(() => undefined);
  return s === undefined ? undefined : Object.keys(s.data ?? {}).sort();
}

beforeAll(async () => {
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml", "external-secrets.io_externalsecrets.yaml", "external-secrets.io_secretstores.yaml",
    "external-secrets.io_clustersecretstores.yaml", "external-secrets.io_clusterexternalsecrets.yaml", "kseal.dev_sopssecrets.yaml");
  // isindir's CRD served, as in a cluster migrating from sops-secrets-operator: kseal then watches
  // its SopsSecrets too, and the chart must allow it (it did not, and readiness never came).
  await applyCrd(kube, ISINDIR_CRD);
  ns = await createNamespace(kube, "kseal-rbac");
  rbacYaml = chartRbac(ns.name);
  kubectl(["apply", "--server-side", "--field-manager=kseal-deploy-test", "-f", "-"], rbacYaml);
  const kubeconfig = await serviceAccountKubeconfig(kube, ns.name, dir);
  // startOperator passes the admin kubeconfig first; a repeated parseArgs string option keeps
  // the last value, so this ServiceAccount kubeconfig is the one the operator uses.
  op = await startOperator({ namespace: ns.name, args: [`--kubeconfig=${kubeconfig}`, "--restart-debounce=1s"] });
}, 180_000);

function running(): RunningOperatorProcess {
  if (op === undefined) throw new Error("kseal-operator did not start");
  return op;
}

afterAll(async () => {
  await op?.stop();
  if (rbacYaml !== "") kubectl(["delete", "--ignore-not-found", "-f", "-"], rbacYaml);
  await ns.remove();
});

describe("kseal-operator under the chart's ServiceAccount (watchNamespace)", () => {
  it("becomes ready and serves its certificate and age recipient", async () => {
    await waitFor("/readyz 200", async () => (await fetch(`${running().metricsUrl}/readyz`)).status === 200, 90_000);
    await waitFor("/v1/cert.pem", async () => (await fetch(`${running().apiUrl}/v1/cert.pem`)).status === 200, 60_000);
    await waitFor("/v1/age-recipients", async () => (await fetch(`${running().apiUrl}/v1/age-recipients`)).status === 200, 60_000);
  });

  it("syncs an ExternalSecret from a fake store and writes its status", async () => {
    const g = { group: "external-secrets.io", version: "v1", namespace: ns.name };
    await kube.custom.createNamespacedCustomObject({ ...g, plural: "secretstores", body: {
      apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "fake" },
      spec: { provider: { fake: { data: [{ key: "/db", value: "pw" }] } } },
    } });
    await kube.custom.createNamespacedCustomObject({ ...g, plural: "externalsecrets", body: {
      apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "es" },
      spec: { refreshInterval: "1h", secretStoreRef: { name: "fake", kind: "SecretStore" }, target: { name: "es" }, data: [{ secretKey: "password", remoteRef: { key: "/db" } }] },
    } });
    await waitFor("Secret es", async () => (await secretKeys("es"))?.join() === "password", 60_000);
    await waitFor("ExternalSecret Ready=True", async () => {
      const es = (await kube.custom.getNamespacedCustomObject({ ...g, plural: "externalsecrets", name: "es" })) as { status?: { conditions?: { type: string; status: string }[] } };
      return es.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
    }, 60_000);
  });

  it("unseals a SealedSecret sealed by kubeseal against the served certificate", async () => {
    const pem = await (await fetch(`${running().apiUrl}/v1/cert.pem`)).text();
    const certFile = join(dir, "cert.pem");
    writeFileSync(certFile, pem);
    const secret = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "sealed", namespace: ns.name }, data: { k: Buffer.from("v").toString("base64") } });
    const sealed = runPeer("kubeseal", ["--cert", certFile, "-o", "json"], { input: secret });
    expect(sealed.status, sealed.stderr).toBe(0);
    await kube.custom.createNamespacedCustomObject({ group: "bitnami.com", version: "v1alpha1", namespace: ns.name, plural: "sealedsecrets", body: JSON.parse(sealed.stdout) as object });
    await waitFor("Secret sealed", async () => (await secretKeys("sealed"))?.join() === "k", 60_000);
  });

  it("decrypts a SopsSecret encrypted by sops for the served recipient", async () => {
    const { recipients } = (await (await fetch(`${running().apiUrl}/v1/age-recipients`)).json()) as { recipients: string[] };
    const file = join(dir, "doc.yaml");
    writeFileSync(file, "token: t0k3n\n");
    const enc = runPeer("sops", ["encrypt", "--age", recipients[0] ?? "", file], { cwd: dir });
    expect(enc.status, enc.stderr).toBe(0);
    await kube.custom.createNamespacedCustomObject({ group: "kseal.dev", version: "v1alpha1", namespace: ns.name, plural: "sopssecrets", body: {
      apiVersion: "kseal.dev/v1alpha1", kind: "SopsSecret", metadata: { name: "sops" }, spec: { sops: enc.stdout },
    } });
    await waitFor("Secret sops", async () => (await secretKeys("sops"))?.join() === "token", 60_000);
  });

  it("was never refused by the API server", () => {
    const refused = running().lines.filter((l) => /forbidden|\b403\b/i.test(l));
    expect(refused, refused.join("\n")).toEqual([]);
  });
});
