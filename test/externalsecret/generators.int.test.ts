// ESO generators under the real kseal-operator: Password, UUID and a ClusterGenerator feed one
// Secret through dataFrom (rewrite applied); refreshPolicy CreatedOnce keeps the generated values
// across an edit of the ExternalSecret while a Periodic sibling regenerates; a deleted Secret is
// rebuilt with new values (as ESO); an unsupported generator kind ends in a condition naming it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";

const kube = testKube();
const ES = { group: "external-secrets.io", version: "v1" } as const;
const GEN = { group: "generators.external-secrets.io", version: "v1alpha1" } as const;
const V = "generators.external-secrets.io/v1alpha1";
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess | undefined;
let clusterGen = "";

interface EsObj { metadata: Record<string, unknown>; status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }

async function secretText(name: string): Promise<Record<string, string> | undefined> {
  try {
    const s = await kube.core.readNamespacedSecret({ namespace: ns.name, name });
    return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  } catch (e: unknown) {
    if ((e as { code?: number }).code === 404) return undefined;
    throw e;
  }
}

async function createEs(name: string, spec: Record<string, unknown>): Promise<void> {
  await kube.custom.createNamespacedCustomObject({
    ...ES, namespace: ns.name, plural: "externalsecrets",
    body: { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name }, spec },
  });
}

async function getEs(name: string): Promise<EsObj> {
  return (await kube.custom.getNamespacedCustomObject({ ...ES, namespace: ns.name, plural: "externalsecrets", name })) as EsObj;
}

async function label(name: string, value: string): Promise<void> {
  const cur = await getEs(name);
  const md = cur.metadata as { labels?: Record<string, string> };
  await kube.custom.replaceNamespacedCustomObject({
    ...ES, namespace: ns.name, plural: "externalsecrets", name,
    body: { ...cur, metadata: { ...cur.metadata, labels: { ...md.labels, edited: value } } },
  });
}

const ref = (kind: string, name: string): Record<string, unknown> => ({ sourceRef: { generatorRef: { apiVersion: V, kind, name } } });

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  clusterGen = `pin-${ns.name}`.slice(0, 63);
  await applyProjectCrds(
    kube,
    "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml", "external-secrets.io_externalsecrets.yaml",
    "generators.external-secrets.io_passwords.yaml", "generators.external-secrets.io_uuids.yaml", "generators.external-secrets.io_clustergenerators.yaml",
  );
  await kube.custom.createNamespacedCustomObject({
    ...GEN, namespace: ns.name, plural: "passwords",
    body: { apiVersion: V, kind: "Password", metadata: { name: "pw" }, spec: { length: 32, digits: 5, symbols: 3, symbolCharacters: "-_", allowRepeat: true } },
  });
  await kube.custom.createNamespacedCustomObject({ ...GEN, namespace: ns.name, plural: "uuids", body: { apiVersion: V, kind: "UUID", metadata: { name: "id" }, spec: {} } });
  await kube.custom.createClusterCustomObject({
    ...GEN, plural: "clustergenerators",
    body: { apiVersion: V, kind: "ClusterGenerator", metadata: { name: clusterGen }, spec: { kind: "Password", generator: { passwordSpec: { length: 6, digits: 6, symbols: 0, allowRepeat: true } } } },
  });
  await createEs("once", {
    refreshPolicy: "CreatedOnce",
    dataFrom: [
      ref("Password", "pw"),
      { ...ref("UUID", "id"), rewrite: [{ regexp: { source: "^uuid$", target: "id" } }] },
      { ...ref("ClusterGenerator", clusterGen), rewrite: [{ regexp: { source: "password", target: "pin" } }] },
    ],
  });
  await createEs("periodic", { refreshInterval: "1h", dataFrom: [ref("Password", "pw")] });
  await createEs("unsupported", { refreshInterval: "1h", dataFrom: [ref("SSHKey", "key")] });
  op = await startOperator({ namespace: ns.name, args: ["--controllers=externalsecret"] });
  await waitFor("the generated Secrets", async () => {
    const [o, p] = await Promise.all([secretText("once"), secretText("periodic")]);
    return o?.pin !== undefined && p?.password !== undefined ? true : undefined;
  }, 60_000);
}, 120_000);

afterAll(async () => {
  await op?.stop();
  await kube.custom.deleteClusterCustomObject({ ...GEN, plural: "clustergenerators", name: clusterGen }).catch(() => undefined);
  await ns.remove();
});

describe("generatorRef under the operator", () => {
  it("Password, UUID and ClusterGenerator values land in one Secret, keys rewritten as ESO", async () => {
    const s = await secretText("once");
    expect(Object.keys(s ?? {}).sort()).toEqual(["id", "password", "pin"]);
    const pw = s?.password ?? "";
    expect(pw).toHaveLength(32);
    expect(pw.replace(/[^0-9]/g, "")).toHaveLength(5);
    expect(pw.replace(/[^-_]/g, "")).toHaveLength(3);
    expect(s?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(s?.pin).toMatch(/^[0-9]{6}$/);
    const ready = (await getEs("once")).status?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "True", reason: "SecretSynced" });
  });

  it("CreatedOnce keeps its values across an edit; a Periodic sibling edited alongside regenerates", async () => {
    const [once, periodic] = await Promise.all([secretText("once"), secretText("periodic")]);
    await label("once", "1");
    await label("periodic", "1");
    await waitFor("the Periodic ExternalSecret to regenerate", async () => ((await secretText("periodic"))?.password !== periodic?.password ? true : undefined), 30_000);
    // The operator has processed the edits (same queue); give the CreatedOnce one the same time again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await secretText("once")).toEqual(once);
  });

  it("a deleted Secret is rebuilt with new values, as ESO's isSecretValid does", async () => {
    const before = await secretText("once");
    await kube.core.deleteNamespacedSecret({ namespace: ns.name, name: "once" });
    const after = await waitFor("the Secret rebuilt", async () => {
      const s = await secretText("once");
      return s?.password === undefined ? undefined : s;
    }, 30_000);
    expect(after.password).not.toBe(before?.password);
    expect(after.id).not.toBe(before?.id);
  });

  it("an unsupported generator kind: Ready=False naming the kind, no Secret", async () => {
    const c = await waitFor("the unsupported condition", async () => {
      return (await getEs("unsupported")).status?.conditions?.find((x) => x.type === "Ready");
    }, 30_000);
    expect(c).toMatchObject({ status: "False", reason: "SecretSyncedError" });
    expect(c.message).toContain('generatorRef kind "SSHKey" is not supported by kseal');
    expect(await secretText("unsupported")).toBeUndefined();
  });

  it("the API server applies the generator CRDs' validation (ESO's enum, one wrapped spec)", async () => {
    const bad = [
      { plural: "passwords", body: { apiVersion: V, kind: "Password", metadata: { name: "bad-enc", namespace: ns.name }, spec: { encoding: "rot13" } }, reason: "encoding enum" },
    ];
    for (const b of bad) {
      const err = await kube.custom.createNamespacedCustomObject({ ...GEN, namespace: ns.name, plural: b.plural, body: b.body }).then(() => undefined, (e: unknown) => e);
      expect((err as { code?: number } | undefined)?.code, b.reason).toBe(422);
    }
    const two = await kube.custom
      .createClusterCustomObject({ ...GEN, plural: "clustergenerators", body: { apiVersion: V, kind: "ClusterGenerator", metadata: { name: `two-${ns.name}`.slice(0, 63) }, spec: { kind: "UUID", generator: { uuidSpec: {}, passwordSpec: {} } } } })
      .then(() => undefined, (e: unknown) => e);
    expect((two as { code?: number } | undefined)?.code, "maxProperties 1").toBe(422);
  });
});
