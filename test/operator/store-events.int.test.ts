// SecretStore / ClusterSecretStore status and events under the real kseal-operator, on the real
// kube-apiserver, as ESO's store controller (pkg/controllers/secretstore/common.go): a Normal `Valid`
// "store validated" event on the store, or a Warning with the reason and the error; a store whose
// spec kseal cannot read (a provider key with nothing under it, which the CRD schema keeps) gets
// Ready=False/InvalidProviderConfig instead of no status; a re-validation of an unchanged store adds
// to the existing Event's count instead of creating another Event.
import { randomBytes } from "node:crypto";
import { EventsV1Api, setHeaderOptions, type EventsV1Event } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../peers/process.ts";
import { createNamespace, testKube } from "../support/kube.ts";
import { applyProjectCrds, startOperator, type RunningOperatorProcess } from "../support/operator.ts";

const kube = testKube();
const eventsApi = kube.kc.makeApiClient(EventsV1Api);
// The operator's reportingInstance starts with its POD_NAME: other suites' operators (which watch
// every ClusterSecretStore) may record events on this suite's ClusterSecretStore too.
const POD = `store-events-${randomBytes(3).toString("hex")}`;
const G = { group: "external-secrets.io", version: "v1" } as const;
const clusterStore = `${POD}-empty`;
const MERGE_PATCH = setHeaderOptions("Content-Type", "application/merge-patch+json");
let ns: { name: string; remove: () => Promise<void> };
let op: RunningOperatorProcess;

type Kind = "SecretStore" | "ClusterSecretStore";
interface Cond { type: string; status: string; reason?: string; message?: string }

async function createStore(kind: Kind, name: string, spec: Record<string, unknown>): Promise<void> {
  const body = { apiVersion: "external-secrets.io/v1", kind, metadata: { name }, spec };
  if (kind === "SecretStore") await kube.custom.createNamespacedCustomObject({ ...G, plural: "secretstores", namespace: ns.name, body });
  else await kube.custom.createClusterCustomObject({ ...G, plural: "clustersecretstores", body });
}

async function getStore(kind: Kind, name: string): Promise<{ metadata: { uid: string }; spec: Record<string, unknown>; status?: { conditions?: Cond[] } }> {
  const got: unknown = kind === "SecretStore"
    ? await kube.custom.getNamespacedCustomObject({ ...G, plural: "secretstores", namespace: ns.name, name })
    : await kube.custom.getClusterCustomObject({ ...G, plural: "clustersecretstores", name });
  return got as { metadata: { uid: string }; spec: Record<string, unknown>; status?: { conditions?: Cond[] } };
}

function failWithLog(e: unknown): never {
  throw new Error(`${String(e)}\noperator log:\n${op.lines.slice(-20).join("\n")}`);
}

/** The Ready condition once it has `reason` (`status` and `message` are for the test to check). */
async function readyWith(kind: Kind, name: string, reason: string): Promise<Cond> {
  return waitFor(`${kind} ${name} Ready reason ${reason}`, async () => {
    const c = (await getStore(kind, name)).status?.conditions?.find((x) => x.type === "Ready");
    return c?.reason === reason ? c : undefined;
  }, 60_000).catch(failWithLog);
}

/** This suite's operator's Events about the store (a ClusterSecretStore's would be in `default`). */
async function storeEvents(kind: Kind, name: string): Promise<EventsV1Event[]> {
  const list = await eventsApi.listNamespacedEvent({ namespace: kind === "SecretStore" ? ns.name : "default" });
  return list.items.filter((e) => e.regarding?.kind === kind && e.regarding.name === name && e.reportingInstance?.startsWith(`${POD}-`) === true);
}

async function eventWith(kind: Kind, name: string, reason: string): Promise<EventsV1Event> {
  return waitFor(`${reason} event on ${kind} ${name}`, async () => (await storeEvents(kind, name)).find((e) => e.reason === reason), 60_000).catch(failWithLog);
}

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyProjectCrds(kube, "external-secrets.io_secretstores.yaml", "external-secrets.io_clustersecretstores.yaml", "external-secrets.io_externalsecrets.yaml");
  op = await startOperator({ namespace: ns.name, args: ["--controllers=externalsecret"], env: { POD_NAME: POD } });
}, 180_000);

afterAll(async () => {
  await op.stop();
  await kube.custom.deleteClusterCustomObject({ ...G, plural: "clustersecretstores", name: clusterStore }).catch(() => undefined);
  await ns.remove();
});

describe("store events and status (real kseal-operator, real kube-apiserver)", () => {
  it("a valid store: Ready=True/Valid and ESO's Normal Valid event on the store", async () => {
    await createStore("SecretStore", "good", { provider: { fake: { data: [{ key: "k", value: "v" }] } } });
    expect(await readyWith("SecretStore", "good", "Valid")).toMatchObject({ status: "True", message: "store validated" });
    const e = await eventWith("SecretStore", "good", "Valid");
    expect(e).toMatchObject({ type: "Normal", reason: "Valid", note: "store validated", reportingController: "kseal.dev/operator" });
    expect(e.regarding).toMatchObject({ apiVersion: "external-secrets.io/v1", kind: "SecretStore", name: "good", namespace: ns.name, uid: (await getStore("SecretStore", "good")).metadata.uid });
  });

  it("validating it again adds to the Event's count, it does not create another Event", async () => {
    const before = (await eventWith("SecretStore", "good", "Valid")).series?.count ?? 1;
    // An annotation is a metadata change: the store is validated again.
    await kube.custom.patchNamespacedCustomObject(
      { ...G, plural: "secretstores", namespace: ns.name, name: "good", body: { metadata: { annotations: { touched: "1" } } } },
      MERGE_PATCH,
    );
    await waitFor("the Valid event's series count to grow", async () => {
      const valid = (await storeEvents("SecretStore", "good")).filter((e) => e.reason === "Valid");
      return (valid[0]?.series?.count ?? 1) > before;
    }, 60_000).catch(failWithLog);
    expect((await storeEvents("SecretStore", "good")).filter((e) => e.reason === "Valid")).toHaveLength(1);
  });

  it("a store whose provider reports a validation error: Ready=False and a Warning with the error", async () => {
    await createStore("SecretStore", "failing", { provider: { fake: { data: [], validationResult: 2 } } });
    expect(await readyWith("SecretStore", "failing", "ValidationFailed")).toMatchObject({ status: "False", message: "fake store reports a validation error" });
    expect(await eventWith("SecretStore", "failing", "ValidationFailed")).toMatchObject({ type: "Warning", note: "fake store reports a validation error" });
  });

  it("a provider kseal does not know: Ready=False/InvalidProviderConfig and a Warning naming it", async () => {
    await createStore("SecretStore", "unknown", { provider: { nosuch: { a: 1 } } });
    const c = await readyWith("SecretStore", "unknown", "InvalidProviderConfig");
    expect(c).toMatchObject({ status: "False", message: expect.stringMatching(/^spec\.provider\.nosuch is not a supported store/) as string });
    expect(await eventWith("SecretStore", "unknown", "InvalidProviderConfig")).toMatchObject({ type: "Warning", note: c.message });
  });

  it("a spec kseal cannot read gets a status and a Warning instead of nothing, and recovers when fixed", async () => {
    await createStore("SecretStore", "empty", { provider: { doppler: null } });
    // The API server keeps the null under the schema's preserve-unknown-fields: this store exists.
    expect((await getStore("SecretStore", "empty")).spec).toEqual({ provider: { doppler: null } });
    const message = "spec.provider: a store configures exactly one provider, found none (doppler is empty)";
    expect(await readyWith("SecretStore", "empty", "InvalidProviderConfig")).toMatchObject({ status: "False", message });
    expect(await eventWith("SecretStore", "empty", "InvalidProviderConfig")).toMatchObject({ type: "Warning", note: message });
    expect(op.child.exitCode).toBeNull();
    await kube.custom.patchNamespacedCustomObject(
      { ...G, plural: "secretstores", namespace: ns.name, name: "empty", body: { spec: { provider: { doppler: null, fake: { data: [] } } } } },
      MERGE_PATCH,
    );
    expect(await readyWith("SecretStore", "empty", "Valid")).toMatchObject({ status: "True", message: "store validated" });
    expect(await eventWith("SecretStore", "empty", "Valid")).toMatchObject({ type: "Normal", note: "store validated" });
  });

  it("a ClusterSecretStore kseal cannot read: Ready=False; no event from an operator confined to one namespace", async () => {
    await createStore("ClusterSecretStore", clusterStore, { provider: { doppler: null } });
    const message = "spec.provider: a store configures exactly one provider, found none (doppler is empty)";
    expect(await readyWith("ClusterSecretStore", clusterStore, "InvalidProviderConfig")).toMatchObject({ status: "False", message });
    // Events about a cluster-scoped object are taken only in `default`, where the chart grants a
    // --watch-namespace operator nothing: it records none rather than being refused at every validation.
    // Two attempts: the first one's event write (in the background) has ended by the second.
    const attempts = (): number => op.lines.filter((l) => l.includes('"controller":"clustersecretstore"') && l.includes(clusterStore)).length;
    await waitFor("two attempts at the ClusterSecretStore", () => Promise.resolve(attempts() >= 2), 30_000);
    expect(await storeEvents("ClusterSecretStore", clusterStore)).toEqual([]);
    const refused = op.lines.filter((l) => l.includes("could not record event") || l.includes("could not update event series"));
    expect(refused, refused.join("\n")).toEqual([]);
  });
});
