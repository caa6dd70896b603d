// The controller runtime against the real kube-apiserver: informer CRUD and metadata-only watches,
// a forced disconnect with relist, leader election between two electors, events with series.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { V1CustomResourceDefinition } from "@kubernetes/client-node";
import { KsealError } from "../../src/errors.ts";
import {
  EVENTS, EventRecorder, Informer, KubeHttp, LEASES, LeaderElector, SECRETS, httpSource,
  type Change, type KubeObject, type ResourceType, type WatchSource,
} from "../../src/kube/index.ts";
import { waitFor } from "../peers/process.ts";
import { applyCrd, createNamespace, testKube } from "../support/kube.ts";

const kube = testKube();
const http = new KubeHttp(kube.access);
let ns: { name: string; remove: () => Promise<void> };

const GADGETS: ResourceType = { group: "rt.kseal.dev", version: "v1", plural: "gadgets", kind: "Gadget", namespaced: true };
const crd: V1CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.rt.kseal.dev" },
  spec: {
    group: "rt.kseal.dev",
    names: { kind: "Gadget", plural: "gadgets", singular: "gadget", listKind: "GadgetList" },
    scope: "Namespaced",
    versions: [{
      name: "v1", served: true, storage: true, subresources: { status: {} },
      schema: { openAPIV3Schema: { type: "object", properties: {
        spec: { type: "object", properties: { size: { type: "integer" } } },
        status: { type: "object", properties: { seen: { type: "integer" } } },
      } } },
    }],
  },
};

const gadget = (name: string, size: number): KubeObject => ({
  apiVersion: "rt.kseal.dev/v1", kind: "Gadget", metadata: { name }, spec: { size },
});

beforeAll(async () => {
  ns = await createNamespace(kube, import.meta.filename);
  await applyCrd(kube, crd);
});
afterAll(async () => {
  await ns.remove();
});

function startInformer<T extends KubeObject>(inf: Informer<T>): { changes: string[]; stop: () => Promise<void> } {
  const changes: string[] = [];
  inf.onChange((c: Change<T>) => changes.push(`${c.type}:${c.key}`));
  const ac = new AbortController();
  const running = inf.run(ac.signal);
  return {
    changes,
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

describe("Informer on the real API server", () => {
  it("sees create, update (incl. status subresource) and delete of a custom resource", async () => {
    const inf = new Informer({ name: "gadgets", source: httpSource(http, GADGETS, { namespace: ns.name }) });
    const run = startInformer(inf);
    try {
      await inf.waitForSync();
      await http.create(GADGETS, ns.name, gadget("g1", 1));
      await waitFor("ADDED g1", () => Promise.resolve(inf.get(`${ns.name}/g1`) !== undefined));
      await http.mergePatch(GADGETS, ns.name, "g1", { spec: { size: 2 } });
      await waitFor("spec.size 2", () => Promise.resolve((inf.get(`${ns.name}/g1`)?.spec as { size?: number } | undefined)?.size === 2));
      await http.mergePatch(GADGETS, ns.name, "g1", { status: { seen: 2 } }, { subresource: "status" });
      await waitFor("status.seen 2", () => Promise.resolve((inf.get(`${ns.name}/g1`)?.status as { seen?: number } | undefined)?.seen === 2));
      await http.apply(GADGETS, ns.name, "g1", { ...gadget("g1", 5), metadata: { name: "g1", namespace: ns.name } }, { fieldManager: "kseal-test" });
      await waitFor("apply size 5", () => Promise.resolve((inf.get(`${ns.name}/g1`)?.spec as { size?: number } | undefined)?.size === 5));
      // The API server keeps managedFields (an applier and an updater by now); the cache drops them, as controller-runtime's does.
      const served = await http.get(GADGETS, ns.name, "g1");
      expect((served?.metadata?.managedFields as unknown[] | undefined)?.length).toBeGreaterThanOrEqual(2);
      expect(inf.get(`${ns.name}/g1`)?.metadata).not.toHaveProperty("managedFields");
      await http.delete(GADGETS, ns.name, "g1");
      await waitFor("DELETED g1", () => Promise.resolve(inf.get(`${ns.name}/g1`) === undefined));
      expect(run.changes).toEqual([
        `added:${ns.name}/g1`, `updated:${ns.name}/g1`, `updated:${ns.name}/g1`, `updated:${ns.name}/g1`, `deleted:${ns.name}/g1`,
      ]);
    } finally {
      await run.stop();
    }
  });

  it("caches only metadata of Secrets in metadata-only mode, filtered by label", async () => {
    await kube.core.createNamespacedSecret({ namespace: ns.name, body: {
      metadata: { name: "managed", labels: { "app.kubernetes.io/managed-by": "kseal" } }, stringData: { password: "hunter2" },
    } });
    await kube.core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: "foreign" }, stringData: { k: "v" } } });
    const inf = new Informer({
      name: "secrets",
      source: httpSource(http, SECRETS, { namespace: ns.name, metadataOnly: true, labelSelector: "app.kubernetes.io/managed-by=kseal" }),
    });
    const run = startInformer(inf);
    try {
      await inf.waitForSync();
      expect(inf.keys()).toEqual([`${ns.name}/managed`]);
      const cached = inf.get(`${ns.name}/managed`);
      expect(cached?.kind).toBe("PartialObjectMetadata");
      expect(cached).not.toHaveProperty("data");
      await http.mergePatch(SECRETS, ns.name, "managed", { stringData: { password: "changed" } });
      await waitFor("MODIFIED managed", () => Promise.resolve(run.changes.includes(`updated:${ns.name}/managed`)));
      const after = inf.get(`${ns.name}/managed`);
      expect(after?.kind).toBe("PartialObjectMetadata");
      expect(JSON.stringify(after)).not.toContain("changed");
    } finally {
      await run.stop();
    }
  });

  it("survives a forced disconnect: retries through an outage, relists on 410 and catches up on missed changes", async () => {
    const real = httpSource(http, GADGETS, { namespace: ns.name });
    const fault: { outage: boolean; goneOnce: boolean; abortCurrent: () => void } = {
      outage: false, goneOnce: false, abortCurrent: () => undefined,
    };
    const source: WatchSource = {
      list: (signal) => {
        if (fault.outage) return Promise.reject(new KsealError("KUBE_UNREACHABLE", "simulated outage"));
        return real.list(signal);
      },
      watch: async (rv, onEvent, signal) => {
        if (fault.outage) throw new KsealError("KUBE_UNREACHABLE", "simulated outage");
        if (fault.goneOnce) {
          fault.goneOnce = false;
          throw new KsealError("KUBE_API_ERROR", "gone", { details: { status: 410 } });
        }
        const inner = new AbortController();
        fault.abortCurrent = () => {
          inner.abort();
        };
        await real.watch(rv, onEvent, AbortSignal.any([signal, inner.signal]));
        if (inner.signal.aborted) throw new KsealError("KUBE_WATCH_BROKEN", "simulated disconnect");
      },
    };
    await http.create(GADGETS, ns.name, gadget("keep", 1));
    await http.create(GADGETS, ns.name, gadget("doomed", 1));
    const inf = new Informer({ name: "gadgets", source, backoff: { baseMs: 50, capMs: 200 } });
    const run = startInformer(inf);
    try {
      await inf.waitForSync();
      expect(inf.keys().sort()).toEqual([`${ns.name}/doomed`, `${ns.name}/keep`]);
      fault.outage = true;
      fault.abortCurrent();
      await waitFor("a few failed attempts", () => Promise.resolve(inf.stats.errors >= 3));
      // Changes made while the watch is down.
      await http.delete(GADGETS, ns.name, "doomed");
      await http.create(GADGETS, ns.name, gadget("born", 1));
      fault.goneOnce = true;
      fault.outage = false;
      await waitFor("relisted state", () => Promise.resolve(inf.keys().sort().join() === [`${ns.name}/born`, `${ns.name}/keep`].join()));
      expect(inf.stats.gone).toBe(1);
      expect(inf.stats.lists).toBe(2);
      expect(run.changes).toContain(`deleted:${ns.name}/doomed`);
      expect(run.changes).toContain(`added:${ns.name}/born`);
      // And the resumed watch delivers new events again.
      await http.mergePatch(GADGETS, ns.name, "keep", { spec: { size: 9 } });
      await waitFor("update after reconnect", () => Promise.resolve((inf.get(`${ns.name}/keep`)?.spec as { size?: number } | undefined)?.size === 9));
    } finally {
      await run.stop();
    }
  });
});

/** A KubeHttp that can be cut off, to simulate a process that dies without releasing its lease. */
class CuttableHttp extends KubeHttp {
  dead = false;
  override get<T extends KubeObject = KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T | null> {
    if (this.dead) return Promise.reject(new KsealError("KUBE_UNREACHABLE", "dead"));
    return super.get<T>(r, namespace, name);
  }
  override replace<T extends KubeObject = KubeObject>(r: ResourceType, namespace: string | undefined, name: string, body: KubeObject): Promise<T> {
    if (this.dead) return Promise.reject(new KsealError("KUBE_UNREACHABLE", "dead"));
    return super.replace<T>(r, namespace, name, body);
  }
}

describe("LeaderElector on a real Lease", () => {
  function candidate(identity: string, lease: string, h: KubeHttp = http) {
    const state = { leading: false, starts: 0, stops: 0 };
    const elector = new LeaderElector({
      http: h, namespace: ns.name, name: lease, identity,
      leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300,
      onStartedLeading: () => {
        state.leading = true;
        state.starts++;
      },
      onStoppedLeading: () => {
        state.leading = false;
        state.stops++;
      },
    });
    const ac = new AbortController();
    const running = elector.run(ac.signal);
    return { state, elector, stop: async () => {
      ac.abort();
      await running;
    } };
  }

  it("elects exactly one of two candidates; the other takes over at once when the leader releases", async () => {
    const a = candidate("a", "release-test");
    await waitFor("a leads", () => Promise.resolve(a.state.leading));
    const b = candidate("b", "release-test");
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect([a.elector.isLeader(), b.elector.isLeader()]).toEqual([true, false]);
      const t0 = Date.now();
      await a.stop(); // graceful: stop leading, release
      expect(a.state.stops).toBe(1);
      await waitFor("b leads", () => Promise.resolve(b.state.leading), 10_000, 50);
      expect(Date.now() - t0).toBeLessThan(2500); // well before the 3 s lease would expire
      const lease = await http.get<{ spec?: { holderIdentity?: string; leaseTransitions?: number } } & KubeObject>(LEASES, ns.name, "release-test");
      expect(lease?.spec?.holderIdentity).toBe("b");
      expect(lease?.spec?.leaseTransitions).toBe(1);
    } finally {
      await b.stop();
    }
  });

  it("a leader that dies stops leading after its renew deadline and the standby takes over after expiry", async () => {
    const deadHttp = new CuttableHttp(kube.access);
    const a = candidate("a", "death-test", deadHttp);
    await waitFor("a leads", () => Promise.resolve(a.state.leading));
    const b = candidate("b", "death-test");
    try {
      await new Promise((r) => setTimeout(r, 1000));
      expect(b.state.leading).toBe(false);
      deadHttp.dead = true;
      await waitFor("a steps down", () => Promise.resolve(!a.state.leading), 10_000, 50);
      await waitFor("b leads", () => Promise.resolve(b.state.leading), 15_000, 50);
      expect(a.state.leading).toBe(false); // never two leaders
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe("EventRecorder on events.k8s.io/v1", () => {
  it("writes an event about an object and folds identical repeats into a series", async () => {
    const created = await http.create(GADGETS, ns.name, gadget("evented", 1));
    const rec = new EventRecorder({ http, instance: "kseal-test-0" });
    const regarding = { apiVersion: "rt.kseal.dev/v1", kind: "Gadget", name: "evented", namespace: ns.name, uid: created.metadata?.uid };
    await rec.emit(regarding, "Warning", "SyncFailed", "store gadget-store: STORE_UNAVAILABLE", "Sync");
    await rec.emit(regarding, "Warning", "SyncFailed", "store gadget-store: STORE_UNAVAILABLE", "Sync");
    await rec.emit(regarding, "Warning", "SyncFailed", "store gadget-store: STORE_UNAVAILABLE", "Sync");
    await rec.emit(regarding, "Normal", "Synced", "synced 2 keys", "Sync");
    const events = (await http.list(EVENTS, { namespace: ns.name })).items as (KubeObject & {
      reason?: string; note?: string; type?: string; reportingController?: string; reportingInstance?: string;
      series?: { count?: number }; regarding?: { name?: string; uid?: string };
    })[];
    const mine = events.filter((e) => e.regarding?.name === "evented");
    expect(mine.map((e) => e.reason).sort()).toEqual(["SyncFailed", "Synced"]);
    const failed = mine.find((e) => e.reason === "SyncFailed");
    expect(failed).toMatchObject({
      type: "Warning", note: "store gadget-store: STORE_UNAVAILABLE", reportingController: "kseal",
      reportingInstance: "kseal-test-0", series: { count: 3 }, regarding: { uid: created.metadata?.uid },
    });
    expect(mine.find((e) => e.reason === "Synced")?.series).toBeUndefined();
  });

  it("writes a burst in the background a few at a time, and drops what is beyond its backlog (logged, not thrown)", async () => {
    const warnings: object[] = [];
    const rec = new EventRecorder({ http, instance: "kseal-test-1", maxInFlight: 2, maxQueued: 5, log: { warn: (o) => warnings.push(o) } });
    const regarding = (i: number) => ({ apiVersion: "rt.kseal.dev/v1", kind: "Gadget", name: `burst-${String(i)}`, namespace: ns.name });
    // 2 in flight + 5 waiting are written; the other 5 of this burst are dropped.
    await Promise.all(Array.from({ length: 12 }, (_, i) => rec.emit(regarding(i), "Normal", "Created", `Secret burst-${String(i)} created`)));
    const events = (await http.list(EVENTS, { namespace: ns.name })).items as (KubeObject & { regarding?: { name?: string } })[];
    const written = events.map((e) => e.regarding?.name ?? "").filter((n) => n.startsWith("burst-")).sort();
    expect(written).toHaveLength(7);
    expect(warnings).toEqual([{ dropped: 1 }]);
    // Once the backlog has drained, new events are written again.
    await rec.emit(regarding(99), "Normal", "Created", "Secret burst-99 created");
    const after = (await http.list(EVENTS, { namespace: ns.name })).items as (KubeObject & { regarding?: { name?: string } })[];
    expect(after.some((e) => e.regarding?.name === "burst-99")).toBe(true);
  });
});
