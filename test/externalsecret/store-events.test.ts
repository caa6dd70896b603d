// reconcileStore's status and events, as ESO's store controller (pkg/controllers/secretstore/common.go):
// an event on every validation (Normal Valid "store validated", else a Warning with the reason and
// the error), the Ready condition written only when it changes, and a store whose spec cannot be
// read at all reported as InvalidProviderConfig and retried with backoff instead of left without status.
import { describe, expect, it } from "vitest";
import type { Condition } from "../../src/operator/externalsecret/types.ts";
import { reconcileStore, storeEventType, type StoreObjectRef, type StoreReadPort } from "../../src/operator/secretstore/index.ts";
import { getProvider } from "../../src/stores/registry.ts";

const CANARY = "canary-store-events-3f9a";
const NOW = Date.parse("2026-06-01T10:00:00Z");

interface Recorded { readonly ref: StoreObjectRef; readonly type: string; readonly reason: string; readonly note: string }
interface Written { readonly kind: string; readonly namespace: string | undefined; readonly name: string; readonly status: { conditions: Condition[]; capabilities?: string } }

const unusedReads: StoreReadPort = {
  getSecretStore: () => Promise.reject(new Error("unused")),
  getClusterSecretStore: () => Promise.reject(new Error("unused")),
  getNamespace: () => Promise.reject(new Error("unused")),
  readSecretKey: () => Promise.reject(new Error("unused")),
  readConfigMapKey: () => Promise.reject(new Error("unused")),
  createServiceAccountToken: () => Promise.reject(new Error("unused")),
};

function world(controllerClass = ""): { deps: Parameters<typeof reconcileStore>[1]; events: Recorded[]; writes: Written[] } {
  const events: Recorded[] = [];
  const writes: Written[] = [];
  return {
    events,
    writes,
    deps: {
      reads: unusedReads,
      providers: getProvider,
      controllerClass,
      now: () => NOW,
      recheckMs: 300_000,
      status: {
        writeStatus: (kind, namespace, name, status) => {
          writes.push({ kind, namespace, name, status });
          return Promise.resolve();
        },
      },
      events: {
        record: (ref, type, reason, note) => {
          events.push({ ref, type, reason, note });
        },
      },
    },
  };
}

function store(spec: unknown, o: { kind?: string; status?: unknown } = {}): Record<string, unknown> {
  const kind = o.kind ?? "SecretStore";
  return {
    apiVersion: "external-secrets.io/v1",
    kind,
    metadata: { name: "s", ...(kind === "SecretStore" ? { namespace: "team" } : {}), uid: "u-1" },
    ...(spec === undefined ? {} : { spec }),
    ...(o.status === undefined ? {} : { status: o.status }),
  };
}

/** An exact message, or one matching a pattern. */
const text = (m: string | RegExp): string => (typeof m === "string" ? m : (expect.stringMatching(m) as string));
const fake = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ provider: { fake: { data: [{ key: "k", value: CANARY }], ...extra } } });

describe("reconcileStore: events and Ready", () => {
  it.each([
    { why: "a store that validates: Normal Valid, Ready=True", spec: fake(), type: "Normal", reason: "Valid", message: "store validated", ready: "True", outcome: { kind: "ok", requeueAfterMs: 300_000 } },
    { why: "the provider reports a validation error (fake validationResult 2)", spec: fake({ validationResult: 2 }), type: "Warning", reason: "ValidationFailed", message: "fake store reports a validation error", ready: "False", outcome: { kind: "retry", requeueAfterMs: 300_000 } },
    { why: "validation unknown: Ready=True as in ESO, but a Warning", spec: fake({ validationResult: 1 }), type: "Warning", reason: "ValidationUnknown", message: "fake store validation is unknown", ready: "True", outcome: { kind: "ok", requeueAfterMs: 300_000 } },
    { why: "a provider spec the provider refuses", spec: { provider: { fake: { data: [{ value: CANARY }] } } }, type: "Warning", reason: "InvalidProviderConfig", message: "spec.provider.fake.data[0].key is required", ready: "False", outcome: { kind: "retry", requeueAfterMs: 300_000 } },
    { why: "a provider kseal does not know", spec: { provider: { nosuch: {} } }, type: "Warning", reason: "InvalidProviderConfig", message: /^spec\.provider\.nosuch is not a supported store/, ready: "False", outcome: { kind: "retry", requeueAfterMs: 300_000 } },
  ])("$why", async ({ spec, type, reason, message, ready, outcome }) => {
    const w = world();
    expect(await reconcileStore(store(spec), w.deps)).toMatchObject(outcome);
    expect(w.events).toEqual([{ ref: { kind: "SecretStore", name: "s", namespace: "team", uid: "u-1" }, type, reason, note: text(message) }]);
    expect(w.writes).toHaveLength(1);
    expect(w.writes[0]?.status).toEqual({
      conditions: [{ type: "Ready", status: ready, reason, message: text(message), lastTransitionTime: "2026-06-01T10:00:00Z" }],
      capabilities: "ReadOnly",
    });
  });

  it.each([
    { why: "no spec at all", spec: undefined, message: "spec: must be an object" },
    { why: "no spec.provider", spec: { controller: "" }, message: "spec.provider: is required: a store configures exactly one provider" },
    { why: "an empty provider", spec: { provider: {} }, message: "spec.provider: a store configures exactly one provider, found none" },
    { why: "a provider key with nothing under it (YAML `doppler:`, kept by the schema's preserve-unknown-fields)", spec: { provider: { doppler: null } }, message: "spec.provider: a store configures exactly one provider, found none (doppler is empty)" },
    { why: "two providers", spec: { provider: { fake: { data: [] }, vault: { server: "http://x" } } }, message: "spec.provider: a store configures exactly one provider, found 2 (fake, vault)" },
    { why: "a provider that is not an object", spec: { provider: "vault" }, message: "spec.provider: must be an object" },
  ])("an unreadable spec gets Ready=False/InvalidProviderConfig, a Warning, and backoff: $why", async ({ spec, message }) => {
    const w = world();
    const out = await reconcileStore(store(spec), w.deps);
    // No requeueAfterMs: the queue's backoff decides when it comes back.
    expect(out).toEqual({ kind: "retry", error: expect.objectContaining({ code: "STORE_INVALID", message: `SecretStore "s" is invalid: ${message}` }) as Error });
    expect(w.events).toEqual([{ ref: { kind: "SecretStore", name: "s", namespace: "team", uid: "u-1" }, type: "Warning", reason: "InvalidProviderConfig", note: message }]);
    // No capabilities: a store without a provider has none to report (merge patch leaves the field).
    expect(w.writes).toEqual([{
      kind: "SecretStore", namespace: "team", name: "s",
      status: { conditions: [{ type: "Ready", status: "False", reason: "InvalidProviderConfig", message, lastTransitionTime: "2026-06-01T10:00:00Z" }] },
    }]);
  });

  it("a ClusterSecretStore's event names the cluster-scoped object (no namespace)", async () => {
    const w = world();
    await reconcileStore(store({ provider: {} }, { kind: "ClusterSecretStore" }), w.deps);
    await reconcileStore(store(fake(), { kind: "ClusterSecretStore" }), w.deps);
    expect(w.events.map((e) => [e.ref, e.type, e.reason])).toEqual([
      [{ kind: "ClusterSecretStore", name: "s", namespace: undefined, uid: "u-1" }, "Warning", "InvalidProviderConfig"],
      [{ kind: "ClusterSecretStore", name: "s", namespace: undefined, uid: "u-1" }, "Normal", "Valid"],
    ]);
    expect(w.writes.map((x) => [x.kind, x.namespace, x.status.conditions[0]?.reason])).toEqual([["ClusterSecretStore", undefined, "InvalidProviderConfig"], ["ClusterSecretStore", undefined, "Valid"]]);
  });

  it("re-validating an unchanged store records the event again (the recorder counts it) but writes no status", async () => {
    for (const [spec, reason] of [[fake(), "Valid"], [{ provider: {} }, "InvalidProviderConfig"]] as const) {
      const w = world();
      await reconcileStore(store(spec), w.deps);
      const written = w.writes[0]?.status;
      await reconcileStore(store(spec, { status: written }), w.deps);
      expect(w.writes).toHaveLength(1);
      expect(w.events.map((e) => e.reason)).toEqual([reason, reason]);
      expect(w.events[0]).toEqual(w.events[1]);
    }
  });

  it("a store that becomes valid gets a new Ready condition and the Valid event", async () => {
    const w = world();
    const old: Condition = { type: "Ready", status: "False", reason: "InvalidProviderConfig", message: "spec.provider: is required: a store configures exactly one provider", lastTransitionTime: "2026-01-01T00:00:00Z" };
    await reconcileStore(store(fake(), { status: { conditions: [old] } }), w.deps);
    expect(w.writes[0]?.status.conditions).toEqual([{ type: "Ready", status: "True", reason: "Valid", message: "store validated", lastTransitionTime: "2026-06-01T10:00:00Z" }]);
    expect(w.events.map((e) => [e.type, e.reason, e.note])).toEqual([["Normal", "Valid", "store validated"]]);
  });

  it("a store of another controller class is left alone, readable or not", async () => {
    for (const spec of [{ controller: "other", provider: {} }, { controller: "other", ...fake() }]) {
      const w = world();
      expect(await reconcileStore(store(spec), w.deps)).toEqual({ kind: "ok" });
      expect([w.events, w.writes]).toEqual([[], []]);
    }
  });

  it("no event note or condition message carries a value of the store", async () => {
    const notes: string[] = [];
    for (const spec of [fake(), fake({ validationResult: 2 }), { provider: { fake: { data: [{ value: CANARY }] } } }, { provider: { fake: { data: [{ key: "k", value: 1, version: CANARY }] } } }]) {
      const w = world();
      await reconcileStore(store(spec), w.deps);
      notes.push(...w.events.map((e) => e.note), ...w.writes.flatMap((x) => x.status.conditions.map((c) => c.message ?? "")));
    }
    expect(notes).toHaveLength(8);
    for (const n of notes) expect(n).not.toContain(CANARY);
  });

  it("an object without a name is reported nowhere and not retried", async () => {
    const w = world();
    expect(await reconcileStore({ kind: "SecretStore", metadata: {}, spec: fake() }, w.deps)).toMatchObject({ kind: "terminal" });
    expect([w.events, w.writes]).toEqual([[], []]);
  });

  it.each([
    { reason: "Valid", type: "Normal" },
    { reason: "ValidationUnknown", type: "Warning" },
    { reason: "ValidationFailed", type: "Warning" },
    { reason: "InvalidProviderConfig", type: "Warning" },
  ])("storeEventType: $reason is $type", ({ reason, type }) => {
    expect(storeEventType({ ready: reason !== "ValidationFailed", reason, message: "" })).toBe(type);
  });
});
