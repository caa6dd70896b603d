// The SealedSecret controller end to end: the real kseal-operator process on the real API server,
// blobs sealed by the real kubeseal and by kseal, tampered blobs refused without touching Secrets.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliCaptured } from "../../cli/kseal/run.ts";
import { OPERATOR_ALLOCATOR } from "../../src/operator/node-flags.ts";
import { waitFor } from "../peers/process.ts";
import { runPeer } from "../support/bins.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";
import { servedCertificate } from "./served.ts";

const kube = testKube();
const dir = mkdtempSync(join(tmpdir(), "kseal-ss-e2e-"));
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess;
let certFile: string;

const group = { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets" };

async function secretValue(name: string, key: string): Promise<string | undefined> {
  try {
    const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name });
    const v = s.data?.[key];
    return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
  } catch {
    return undefined;
  }
}

async function syncedCondition(name: string): Promise<{ status: string; message?: string } | undefined> {
  const ss = (await kube.custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })) as {
    status?: { conditions?: { type: string; status: string; message?: string }[] };
  };
  return ss.status?.conditions?.find((c) => c.type === "Synced");
}

function secretJson(name: string, data: Record<string, string>, annotations: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns.name, annotations },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  });
}

async function ksealSeal(input: string): Promise<{ code: number; out: string; err: string }> {
  const r = await runCliCaptured(["--cert", certFile, "-o", "json"], input, { cwd: dir });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "bitnami.com_sealedsecrets.yaml");
  op = await startOperator({ namespace: ns.name, args: ["--controllers=sealedsecret,rollout", "--restart-debounce=1s"] });
  // The leader creates the first sealing key in the operator's namespace, Bitnami's layout.
  const pem = await servedCertificate(op.apiUrl).catch((e: unknown) => {
    throw new Error(`${String(e)}\noperator log:\n${op.lines.slice(-40).join("\n")}`);
  });
  certFile = join(dir, "cert.pem");
  writeFileSync(certFile, pem);
});

afterAll(async () => {
  await op.stop();
  await ns.remove();
});

describe("SealedSecret controller (real kseal-operator, real API server)", () => {
  it("keeps its key as Bitnami does: a kubernetes.io/tls Secret labelled active", async () => {
    const keys = await kube.core.listNamespacedSecret({ namespace: ns.name, labelSelector: "sealedsecrets.bitnami.com/sealed-secrets-key=active" });
    expect(keys.items).toHaveLength(1);
    expect(keys.items[0]?.type).toBe("kubernetes.io/tls");
    expect(keys.items[0]?.metadata?.name).toMatch(/^sealed-secrets-key/);
  });

  it.each(["strict", "namespace-wide", "cluster-wide"] as const)("opens a blob sealed by kubeseal with scope %s", async (scope) => {
    const name = `from-kubeseal-${scope}`;
    const sealed = runPeer("kubeseal", ["--cert", certFile, "--scope", scope, "-o", "json"], { input: secretJson(name, { password: `pw-${scope}` }) });
    expect(sealed.status, sealed.stderr).toBe(0);
    await kube.custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: JSON.parse(sealed.stdout) as object });
    await waitFor(`Secret ${name}`, async () => (await secretValue(name, "password")) === `pw-${scope}`, 60_000);
    await waitFor("Synced=True", async () => (await syncedCondition(name))?.status === "True", 30_000);
  });

  it("opens a blob sealed by kseal, and recreates the Secret when it is deleted", async () => {
    const sealed = await ksealSeal(secretJson("from-kseal", { token: "abc123" }));
    expect(sealed.code, sealed.err).toBe(0);
    const body = JSON.parse(sealed.out) as { metadata: { annotations?: Record<string, string> } };
    expect(Object.keys(body.metadata.annotations ?? {})).toContain("kseal.io/sealing-key");
    await kube.custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body });
    await waitFor("Secret from-kseal", async () => (await secretValue("from-kseal", "token")) === "abc123", 60_000);
    const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "from-kseal" });
    expect(s.metadata?.ownerReferences?.[0]?.kind).toBe("SealedSecret");
    await kube.core.deleteNamespacedSecret({ namespace: ns.name, name: "from-kseal" });
    await waitFor("Secret from-kseal recreated", async () => {
      const again = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "from-kseal" }).catch(() => undefined);
      return again !== undefined && again.metadata?.uid !== s.metadata?.uid;
    }, 60_000);
  });

  it("refuses a strict blob moved to another name with the generic error, and creates no Secret", async () => {
    const sealed = runPeer("kubeseal", ["--cert", certFile, "-o", "json"], { input: secretJson("original", { k: "v" }) });
    const moved = JSON.parse(sealed.stdout) as { metadata: { name: string }; spec: { template?: { metadata?: { name?: string } } } };
    moved.metadata.name = "moved";
    if (moved.spec.template?.metadata !== undefined) moved.spec.template.metadata.name = "moved";
    await kube.custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: moved });
    const cond = await waitFor("Synced=False", async () => {
      const c = await syncedCondition("moved");
      return c?.status === "False" ? c : undefined;
    }, 60_000);
    expect(cond.message).toMatch(/no key could decrypt secret|cannot be opened|decrypt/i);
    expect(cond.message).not.toContain("v");
    expect(await secretValue("moved", "k")).toBeUndefined();
  });

  it("leaves the existing Secret untouched when a SealedSecret is tampered with", async () => {
    const sealed = await ksealSeal(secretJson("tampered", { api: "key-1" }));
    await kube.custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: JSON.parse(sealed.out) as object });
    await waitFor("Secret tampered", async () => (await secretValue("tampered", "api")) === "key-1", 60_000);
    const before = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "tampered" });
    const current = (await kube.custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name: "tampered" })) as {
      spec: { encryptedData: Record<string, string> };
    };
    const blob = Buffer.from(current.spec.encryptedData.api ?? "", "base64");
    blob[blob.length - 5] = (blob[blob.length - 5] ?? 0) ^ 0xff;
    await kube.custom.patchNamespacedCustomObject({
      ...group, namespace: ns.name, name: "tampered",
      body: [{ op: "replace", path: "/spec/encryptedData/api", value: blob.toString("base64") }],
    });
    await waitFor("Synced=False after tampering", async () => (await syncedCondition("tampered"))?.status === "False", 60_000);
    const after = await kube.core.readNamespacedSecret({ namespace: ns.name, name: "tampered" });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(Buffer.from(after.data?.api ?? "", "base64").toString()).toBe("key-1");
  });

  it("answers /v1/verify with 200 for a blob it can open and 409 for one it cannot", async () => {
    const good = await ksealSeal(secretJson("verify-me", { a: "b" }));
    const ok = await fetch(`${op.apiUrl}/v1/verify`, { method: "POST", body: good.out });
    expect(ok.status).toBe(200);
    const bad = JSON.parse(good.out) as { metadata: { name: string } };
    bad.metadata.name = "someone-else";
    await new Promise((r) => setTimeout(r, 1100)); // Bitnami's verify rate limit: 2/s
    const refused = await fetch(`${op.apiUrl}/v1/verify`, { method: "POST", body: JSON.stringify(bad) });
    expect(refused.status).toBe(409);
  });

  it("restarts a Deployment that asks for the Secret once its content changes, not on the first sync", async () => {
    const apps = kube.kc.makeApiClient((await import("@kubernetes/client-node")).AppsV1Api);
    const first = await ksealSeal(secretJson("rolled", { v: "1" }));
    await kube.custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: JSON.parse(first.out) as object });
    await waitFor("Secret rolled", async () => (await secretValue("rolled", "v")) === "1", 60_000);
    await apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: "app", annotations: { "secret.reloader.stakater.com/reload": "rolled" } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "app" } },
          template: { metadata: { labels: { app: "app" } }, spec: { containers: [{ name: "c", image: "registry.invalid/none:1" }] } },
        },
      },
    });
    const restartedAt = async (): Promise<string | undefined> =>
      (await apps.readNamespacedDeployment({ namespace: ns.name, name: "app" })).spec?.template.metadata?.annotations?.["kseal.dev/restartedAt"];
    await new Promise((r) => setTimeout(r, 2500));
    expect(await restartedAt()).toBeUndefined();
    const second = await ksealSeal(secretJson("rolled", { v: "2" }));
    const current = (await kube.custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name: "rolled" })) as { metadata: { resourceVersion: string } };
    const next = JSON.parse(second.out) as { metadata: Record<string, unknown> };
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    await kube.custom.replaceNamespacedCustomObject({ ...group, namespace: ns.name, name: "rolled", body: next });
    await waitFor("Secret rolled updated", async () => (await secretValue("rolled", "v")) === "2", 60_000);
    await waitFor("restart annotation", async () => (await restartedAt()) !== undefined, 30_000);
  });

  it("exports Bitnami's metric names", async () => {
    const text = await (await fetch(`${op.metricsUrl}/metrics`)).text();
    expect(text).toContain("sealed_secrets_controller_unseal_requests_total");
    expect(text).toContain("sealed_secrets_controller_unseal_errors_total");
  });

  it("runs with heap trimming on, started with the image's Node flags (--expose-gc)", async () => {
    const line = op.lines.find((l) => l.includes("kseal-operator running"));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ heapTrimming: true });
    const text = await (await fetch(`${op.metricsUrl}/metrics`)).text();
    expect(text).toMatch(/^kseal_heap_trims_total \d+$/m);
  });

  it("runs on the image's allocator: jemalloc is mapped into the process, with its settings", () => {
    const pid = op.child.pid ?? 0;
    expect(readFileSync(`/proc/${String(pid)}/maps`, "utf8")).toMatch(/\/libjemalloc\.so\.2$/m);
    const environ = readFileSync(`/proc/${String(pid)}/environ`, "utf8").split("\0");
    expect(environ).toContain(`MALLOC_CONF=${OPERATOR_ALLOCATOR.conf}`);
  });
});
