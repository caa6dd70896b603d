// The image runs the tsc build (dist/src/operator/main.js), not the .ts sources the other tests run:
// this builds it as the Dockerfile's build stage does and runs it against the real API server — a
// SealedSecret sealed by the real kubeseal opens (the unseal worker thread loads its .js module) and
// an ExternalSecret syncs from a store (the provider module is imported lazily, by its .js name).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { servedCertificate } from "../operator/served.ts";
import { runPeer } from "../support/bins.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { BUILT_OPERATOR_MAIN, buildDist } from "../support/processes.ts";

const kube = testKube();
const ES = { group: "external-secrets.io", version: "v1" } as const;
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;

async function secretText(name: string): Promise<Record<string, string> | undefined> {
  const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name }).catch(() => undefined);
  return s === undefined ? undefined : Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

beforeAll(async () => {
  buildDist();
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml", "external-secrets.io_secretstores.yaml",
    "external-secrets.io_clustersecretstores.yaml", "external-secrets.io_externalsecrets.yaml");
  op = await startOperator({ namespace: ns.name, main: BUILT_OPERATOR_MAIN, args: ["--controllers=sealedsecret,externalsecret"] });
}, 120_000);

afterAll(async () => {
  await op?.stop();
  await ns.remove();
});

describe("the shipped build of kseal-operator (dist/)", () => {
  it("starts from dist/src/operator/main.js with the shipped Node flags", () => {
    const start = JSON.parse(op?.lines.find((l) => l.includes("kseal-operator running")) ?? "{}") as { heapTrimming?: boolean };
    expect(op?.child.spawnargs).toContain(BUILT_OPERATOR_MAIN);
    expect(start.heapTrimming).toBe(true);
  });

  it("opens a SealedSecret sealed by kubeseal on its worker threads", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kseal-shipped-"));
    const certFile = join(dir, "cert.pem");
    writeFileSync(certFile, await servedCertificate(op?.apiUrl ?? ""));
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "sealed", namespace: ns.name }, data: { password: Buffer.from("from-dist").toString("base64") } };
    const sealed = runPeer("kubeseal", ["--cert", certFile, "-o", "json"], { input: JSON.stringify(secret) });
    expect(sealed.status, sealed.stderr).toBe(0);
    await kube.custom.createNamespacedCustomObject({ group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets", namespace: ns.name, body: JSON.parse(sealed.stdout) as object });
    await waitFor("the unsealed Secret", async () => (await secretText("sealed"))?.password === "from-dist" ? true : undefined, 60_000);
  }, 90_000);

  it("syncs an ExternalSecret from a store", async () => {
    await kube.custom.createNamespacedCustomObject({
      ...ES, namespace: ns.name, plural: "secretstores",
      body: { apiVersion: "external-secrets.io/v1", kind: "SecretStore", metadata: { name: "fake" }, spec: { provider: { fake: { data: [{ key: "token", value: "t0ken" }] } } } },
    });
    await kube.custom.createNamespacedCustomObject({
      ...ES, namespace: ns.name, plural: "externalsecrets",
      body: {
        apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "synced" },
        spec: { refreshInterval: "1h", secretStoreRef: { name: "fake", kind: "SecretStore" }, data: [{ secretKey: "token", remoteRef: { key: "token" } }] },
      },
    });
    await waitFor("the ExternalSecret's Secret", async () => (await secretText("synced"))?.token === "t0ken" ? true : undefined, 60_000);
  }, 90_000);
});
