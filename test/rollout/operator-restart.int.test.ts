// Rollout restarts across kseal-operator restarts, through the real operator process on the real
// API server: the wiring of run.ts — SealedSecret digests keyed with the cluster-held key (stable
// from one process to the next), ExternalSecret HMACs taken from every managed Secret when the
// rollout starts, writers starting after it. Three processes in turn:
//   A adopts two workloads, then dies with an ExternalSecret-driven restart inside its debounce
//     window; a SealedSecret changes while no operator runs;
//   B restarts both workloads, once each;
//   C starts with nothing changed and writes nothing to them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api } from "@kubernetes/client-node";
import { reloadingDeployment } from "./fixtures.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { RESTARTED_AT_ANNOTATION, SECRET_DIGESTS_ANNOTATION } from "../../src/operator/rollout/index.ts";
import { sleep, waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { servedCertificate } from "../operator/served.ts";

const kube = testKube();
const apps = kube.kc.makeApiClient(AppsV1Api);
const dir = mkdtempSync(join(tmpdir(), "kseal-rollout-restart-"));
const ss = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets" };
const es = { group: "external-secrets.io", version: "v1" };
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;

async function workload(name: string): Promise<{ resourceVersion: string; digests: string | undefined; restartedAt: string | undefined }> {
  const d = await apps.readNamespacedDeployment({ namespace: ns.name, name });
  return {
    resourceVersion: d.metadata?.resourceVersion ?? "",
    digests: d.metadata?.annotations?.[SECRET_DIGESTS_ANNOTATION],
    restartedAt: d.spec?.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION],
  };
}

async function secretValue(name: string, key: string): Promise<string | undefined> {
  const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name }).catch(() => undefined);
  const v = s?.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

async function sealed(certFile: string, value: string): Promise<Record<string, unknown>> {
  const secret = JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "ss-creds", namespace: ns.name }, data: { v: Buffer.from(value).toString("base64") } });
  const r = await runCliCaptured(["--cert", certFile, "-o", "json"], secret, { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function start(debounce: string): Promise<RunningOperatorProcess> {
  op = await startOperator({ namespace: ns.name, args: ["--controllers=externalsecret,sealedsecret,rollout", `--restart-debounce=${debounce}`] });
  return op;
}

async function stop(): Promise<void> {
  await op?.stop();
  op = undefined;
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml", "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml",
    "external-secrets.io_externalsecrets.yaml", "external-secrets.io_clusterexternalsecrets.yaml");
});

afterAll(async () => {
  await stop();
  await ns.remove();
});

describe("rollout restarts across kseal-operator restarts", () => {
  it("restarts what changed while no operator ran or inside a dead operator's debounce window, and nothing else", async () => {
    // A: a long debounce, so its restart is still pending when it stops.
    const a = await start("60s");
    const certFile = join(dir, "cert.pem");
    writeFileSync(certFile, await servedCertificate(a.apiUrl));
    await kube.custom.createNamespacedCustomObject({ ...es, plural: "secretstores", namespace: ns.name, body: {
      apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "fake" },
      spec: { provider: { fake: { data: [{ key: "/db", value: "es-1" }] } } },
    } });
    await kube.custom.createNamespacedCustomObject({ ...es, plural: "externalsecrets", namespace: ns.name, body: {
      apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "es-creds" },
      spec: { refreshInterval: "1h", secretStoreRef: { name: "fake", kind: "SecretStore" }, target: { name: "es-creds" }, data: [{ secretKey: "password", remoteRef: { key: "/db" } }] },
    } });
    await kube.custom.createNamespacedCustomObject({ ...ss, namespace: ns.name, body: await sealed(certFile, "ss-1") });
    await waitFor("both Secrets", async () => (await secretValue("es-creds", "password")) === "es-1" && (await secretValue("ss-creds", "v")) === "ss-1", 60_000);
    await apps.createNamespacedDeployment({ namespace: ns.name, body: reloadingDeployment("es-app", "es-creds") });
    await apps.createNamespacedDeployment({ namespace: ns.name, body: reloadingDeployment("ss-app", "ss-creds") });
    await waitFor("both workloads adopted", async () => (await workload("es-app")).digests !== undefined && (await workload("ss-app")).digests !== undefined, 30_000);
    const adopted = { es: await workload("es-app"), ss: await workload("ss-app") };
    expect(adopted.es.restartedAt).toBeUndefined();
    expect(adopted.ss.restartedAt).toBeUndefined();

    // The store's value changes (and a force-sync asks for it): A writes the Secret; its restart
    // waits for A's 60 s window.
    await kube.custom.patchNamespacedCustomObject({
      ...es, plural: "secretstores", namespace: ns.name, name: "fake",
      body: [{ op: "replace", path: "/spec/provider/fake/data/0/value", value: "es-2" }],
    });
    await kube.custom.patchNamespacedCustomObject({
      ...es, plural: "externalsecrets", namespace: ns.name, name: "es-creds",
      body: [{ op: "add", path: "/metadata/annotations", value: { "external-secrets.io/force-sync": "1" } }],
    });
    await waitFor("es-creds updated", async () => (await secretValue("es-creds", "password")) === "es-2", 30_000);
    await sleep(1000);
    expect((await workload("es-app")).restartedAt).toBeUndefined();
    expect(a.lines.filter((l) => l.includes("rollout restart"))).toEqual([]);
    await stop();

    // The SealedSecret changes while no operator runs.
    const current = (await kube.custom.getNamespacedCustomObject({ ...ss, namespace: ns.name, name: "ss-creds" })) as { metadata: { resourceVersion: string } };
    const next = await sealed(certFile, "ss-2");
    (next.metadata as Record<string, unknown>).resourceVersion = current.metadata.resourceVersion;
    await kube.custom.replaceNamespacedCustomObject({ ...ss, namespace: ns.name, name: "ss-creds", body: next });
    await sleep(500);
    expect(await secretValue("ss-creds", "v")).toBe("ss-1");

    // B restarts both, once each.
    const b = await start("1s");
    await waitFor("ss-creds updated", async () => (await secretValue("ss-creds", "v")) === "ss-2", 60_000);
    await waitFor("both restarted", async () => (await workload("es-app")).restartedAt !== undefined && (await workload("ss-app")).restartedAt !== undefined, 30_000);
    await sleep(2500);
    const restarted = { es: await workload("es-app"), ss: await workload("ss-app") };
    const restarts = b.lines.filter((l) => l.includes("rollout restart")).map((l) => (JSON.parse(l) as { workload: string }).workload).sort();
    expect(restarts).toEqual([`Deployment/${ns.name}/es-app`, `Deployment/${ns.name}/ss-app`]);
    expect(restarted.es.digests).not.toBe(adopted.es.digests);
    expect(restarted.ss.digests).not.toBe(adopted.ss.digests);
    await stop();

    // C: nothing changed, nothing written to the workloads.
    const c = await start("1s");
    await waitFor("controllers started", () => Promise.resolve(c.lines.some((l) => l.includes("controllers started"))), 60_000);
    await sleep(3000);
    expect(await workload("es-app")).toEqual(restarted.es);
    expect(await workload("ss-app")).toEqual(restarted.ss);
    expect(c.lines.filter((l) => l.includes("rollout restart"))).toEqual([]);
  }, 240_000);
});
