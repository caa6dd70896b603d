// When an ExternalSecret syncs and when it comes back, on an injected clock.
import { describe, expect, it } from "vitest";
import { nextDueAfterSync, nextOnGrid, planRefresh, refreshPhase, resourceVersionOf, type RefreshReason } from "../../src/operator/externalsecret/plan.ts";
import { canSkipStatusWrite, RefreshMemory, type RememberedRefresh } from "../../src/operator/externalsecret/refreshes.ts";
import { nextStatus, type SyncResult } from "../../src/operator/externalsecret/status.ts";
import { makeEs } from "./fixtures.ts";

const T0 = Date.parse("2026-03-02T10:00:00Z"); // a Monday
const H = 3_600_000;
const M = 60_000;
/** The refresh grid phases of the fixture's store ("SecretStore/store"), pinned: a change reschedules every fleet. */
const PH = 1_486_000; // 1h interval
const P15 = 1000; // 15s interval

/** An ES that last synced at `syncedAt` with its current metadata. */
function synced(spec: Record<string, unknown>, syncedAt: number, metadata: Record<string, unknown> = {}): ReturnType<typeof makeEs> {
  const es = makeEs(spec, { metadata });
  return makeEs(spec, { metadata, status: { refreshTime: new Date(syncedAt).toISOString(), syncedResourceVersion: resourceVersionOf(es) } });
}

const cases: { reason: string; es: ReturnType<typeof makeEs>; intact?: boolean; now: number; sync: boolean; why: RefreshReason; after?: number }[] = [
  { reason: "first reconcile always syncs, next at the store's grid instant (within 1h)", es: makeEs({}), now: T0, sync: true, why: "never-synced", after: PH },
  { reason: "default interval not yet elapsed", es: synced({}, T0), now: T0 + 20 * M, sync: false, why: "not-due", after: PH - 20 * M },
  { reason: "default interval elapsed (its grid instant passed)", es: synced({}, T0), now: T0 + H, sync: true, why: "interval-elapsed", after: PH },
  { reason: "custom interval 15s", es: synced({ refreshInterval: "15s" }, T0), now: T0 + 16_000, sync: true, why: "interval-elapsed", after: 15_000 },
  { reason: "interval 0 means fetch once: never again", es: synced({ refreshInterval: "0" }, T0), now: T0 + 1000 * H, sync: false, why: "not-due" },
  { reason: "interval 0 still syncs the first time, no requeue", es: makeEs({ refreshInterval: "0" }), now: T0, sync: true, why: "never-synced" },
  { reason: "CreatedOnce never refreshes after the first sync", es: synced({ refreshPolicy: "CreatedOnce" }, T0), now: T0 + 1000 * H, sync: false, why: "created-once" },
  { reason: "OnChange waits for a change", es: synced({ refreshPolicy: "OnChange" }, T0), now: T0 + 1000 * H, sync: false, why: "not-due" },
  {
    reason: "a spec change (generation) syncs even under OnChange",
    es: makeEs({ refreshPolicy: "OnChange" }, { metadata: { generation: 2 }, status: { refreshTime: new Date(T0).toISOString(), syncedResourceVersion: resourceVersionOf(makeEs({})) } }),
    now: T0 + 1,
    sync: true,
    why: "spec-changed",
  },
  {
    reason: "a new force-sync annotation value syncs",
    es: makeEs({}, { metadata: { annotations: { "external-secrets.io/force-sync": "2" } }, status: { refreshTime: new Date(T0).toISOString(), syncedResourceVersion: resourceVersionOf(makeEs({}, { metadata: { annotations: { "external-secrets.io/force-sync": "1" } } })) } }),
    now: T0 + 1,
    sync: true,
    why: "spec-changed",
    after: PH - 1,
  },
  { reason: "a drifted Secret is repaired at once", es: synced({}, T0), intact: false, now: T0 + M, sync: true, why: "secret-drifted", after: PH - M },
  { reason: "a drifted Secret is repaired even under CreatedOnce", es: synced({ refreshPolicy: "CreatedOnce" }, T0), intact: false, now: T0 + M, sync: true, why: "secret-drifted" },
  { reason: "Orphan: a drifted Secret waits for the next refresh (ESO's isSecretValid holds it valid)", es: synced({ target: { creationPolicy: "Orphan" } }, T0), intact: false, now: T0 + M, sync: false, why: "not-due", after: PH - M },
  { reason: "Orphan: a drifted Secret is rewritten when the refresh is due", es: synced({ target: { creationPolicy: "Orphan" } }, T0), intact: false, now: T0 + H, sync: true, why: "interval-elapsed", after: PH },
  { reason: "Merge: drift of the merged keys is repaired at once, as in ESO", es: synced({ target: { creationPolicy: "Merge" }, refreshPolicy: "OnChange" }, T0), intact: false, now: T0 + M, sync: true, why: "secret-drifted" },
  { reason: "CreateOrMerge: drift is repaired at once", es: synced({ target: { creationPolicy: "CreateOrMerge" } }, T0), intact: false, now: T0 + M, sync: true, why: "secret-drifted", after: PH - M },
  { reason: "creationPolicy None has no Secret to repair", es: synced({ target: { creationPolicy: "None" }, refreshPolicy: "OnChange" }, T0), intact: false, now: T0 + M, sync: false, why: "not-due" },
  { reason: "refreshSchedule fires at the next cron time", es: synced({ refreshSchedule: "0 12 * * *" }, T0), now: T0 + H, sync: false, why: "not-due", after: H },
  { reason: "refreshSchedule fired since the last refresh", es: synced({ refreshSchedule: "0 12 * * *" }, T0), now: T0 + 2 * H + 1, sync: true, why: "schedule-fired", after: 24 * H - 1 },
  { reason: "refreshSchedule wins over refreshInterval", es: synced({ refreshSchedule: "0 12 * * *", refreshInterval: "1m" }, T0), now: T0 + 5 * M, sync: false, why: "not-due", after: 115 * M },
  {
    reason: "allow window closed holds a due refresh until it opens",
    es: synced({ syncWindows: { kind: "allow", windows: [{ schedule: "0 14 * * *", duration: "1h" }] } }, T0),
    now: T0 + H,
    sync: false,
    why: "outside-sync-window",
    after: 3 * H,
  },
  {
    reason: "allow window open lets a due refresh through",
    es: synced({ syncWindows: { kind: "allow", windows: [{ schedule: "0 11 * * *", duration: "1h" }] } }, T0),
    now: T0 + H + M,
    sync: true,
    why: "interval-elapsed",
    after: PH - M,
  },
  {
    reason: "deny window open holds a due refresh until it closes",
    es: synced({ syncWindows: { kind: "deny", windows: [{ schedule: "0 11 * * *", duration: "2h" }] } }, T0),
    now: T0 + H + M,
    sync: false,
    why: "outside-sync-window",
    after: 2 * H - M,
  },
  {
    reason: "deny window does not block a spec change",
    es: makeEs({ syncWindows: { kind: "deny", windows: [{ schedule: "@every 1h", duration: "1h" }] } }),
    now: T0,
    sync: true,
    why: "never-synced",
    after: PH,
  },
];

describe("planRefresh", () => {
  it.each(cases)("$reason", ({ es, intact, now, sync, why, after }) => {
    const d = planRefresh(es, intact ?? true, now);
    expect(d.sync).toBe(sync);
    expect(d.reason).toBe(why);
    expect(d.requeueAfterMs).toBe(after);
  });

  it("resourceVersionOf ignores map order but not values", () => {
    const a = makeEs({}, { metadata: { annotations: { x: "1", y: "2" } } });
    const b = makeEs({}, { metadata: { annotations: { y: "2", x: "1" } } });
    const c = makeEs({}, { metadata: { annotations: { y: "2", x: "3" } } });
    expect(resourceVersionOf(a)).toBe(resourceVersionOf(b));
    expect(resourceVersionOf(a)).not.toBe(resourceVersionOf(c));
    expect(resourceVersionOf(a)).toMatch(/^1-[0-9a-f]{32}$/);
  });
});

describe("planRefresh with a refresh remembered in memory (no status write)", () => {
  const fresh = makeEs({ refreshInterval: "15s" });
  const relabelled = makeEs({ refreshInterval: "15s" }, { metadata: { labels: { team: "a" } } });
  const edited = makeEs({ refreshInterval: "15s" }, { metadata: { generation: 2 }, status: { refreshTime: new Date(T0).toISOString(), syncedResourceVersion: resourceVersionOf(fresh) } });
  const rememberCases: { reason: string; es: ReturnType<typeof makeEs>; remembered: RememberedRefresh | undefined; intact?: boolean; now: number; sync: boolean; why: RefreshReason; after?: number }[] = [
    { reason: "a later remembered refresh postpones the next one (status alone: due at T0+1s)", es: synced({ refreshInterval: "15s" }, T0), remembered: { at: T0 + 16_000 }, now: T0 + 20_000, sync: false, why: "not-due", after: 11_000 },
    { reason: "due again at the grid instant after the remembered refresh", es: synced({ refreshInterval: "15s" }, T0), remembered: { at: T0 + 16_000 }, now: T0 + 31_000, sync: true, why: "interval-elapsed", after: 15_000 },
    { reason: "an older remembered refresh never moves the schedule earlier", es: synced({ refreshInterval: "15s" }, T0 + 10_000), remembered: { at: T0 }, now: T0 + 12_000, sync: false, why: "not-due", after: 4_000 },
    { reason: "an instant alone never stands in for a first sync of a Periodic ExternalSecret", es: fresh, remembered: { at: T0 }, now: T0 + 1000, sync: true, why: "never-synced", after: 15_000 },
    { reason: "our own first sync of this version, not yet in the informer's copy, is not repeated", es: fresh, remembered: { at: T0 + 1000, syncedVersion: resourceVersionOf(fresh) }, now: T0 + 2000, sync: false, why: "not-due", after: 14_000 },
    { reason: "...and it falls due one interval after the remembered sync", es: fresh, remembered: { at: T0 + 1000, syncedVersion: resourceVersionOf(fresh) }, now: T0 + 16_000, sync: true, why: "interval-elapsed", after: 15_000 },
    { reason: "a sync of another version (labels edited since) does not count", es: relabelled, remembered: { at: T0, syncedVersion: resourceVersionOf(fresh) }, now: T0 + 1000, sync: true, why: "never-synced", after: 15_000 },
    { reason: "our own sync of an edit, while the copy still shows the previous version, is not repeated", es: edited, remembered: { at: T0 + 5_000, syncedVersion: resourceVersionOf(edited) }, now: T0 + 6_000, sync: false, why: "not-due", after: 10_000 },
    { reason: "an edit synced under a previous version is synced", es: edited, remembered: { at: T0 + 5_000, syncedVersion: resourceVersionOf(fresh) }, now: T0 + 6_000, sync: true, why: "spec-changed", after: 10_000 },
    { reason: "a drifted Secret is repaired even while our own write is unseen", es: fresh, intact: false, remembered: { at: T0 + 1000, syncedVersion: resourceVersionOf(fresh) }, now: T0 + 2000, sync: true, why: "secret-drifted", after: 14_000 },
    { reason: "under CreatedOnce a remembered sync counts before the informer shows our status write (no second generation)", es: makeEs({ refreshPolicy: "CreatedOnce" }), remembered: { at: T0 }, now: T0 + 1000, sync: false, why: "created-once" },
    { reason: "under refreshInterval 0 a remembered sync counts too", es: makeEs({ refreshInterval: "0" }), remembered: { at: T0 }, now: T0 + 1000, sync: false, why: "not-due" },
    { reason: "with nothing remembered, CreatedOnce without status is a first sync", es: makeEs({ refreshPolicy: "CreatedOnce" }), remembered: undefined, now: T0, sync: true, why: "never-synced" },
    { reason: "a refreshSchedule counts from the remembered refresh too", es: synced({ refreshSchedule: "0 12 * * *" }, T0), remembered: { at: T0 + 2 * H + 1 }, now: T0 + 3 * H, sync: false, why: "not-due", after: 23 * H },
  ];
  it.each(rememberCases)("$reason", ({ es, remembered, intact, now, sync, why, after }) => {
    const d = planRefresh(es, intact ?? true, now, remembered);
    expect(d.sync).toBe(sync);
    expect(d.reason).toBe(why);
    expect(d.requeueAfterMs).toBe(after);
  });
});

describe("RefreshMemory", () => {
  const es = (uid: string, generation: number): ReturnType<typeof makeEs> => makeEs({}, { metadata: { uid, generation } });

  it("keys by uid and generation: an edit or a re-created object starts from its status", () => {
    const m = new RefreshMemory();
    m.record(es("u1", 1), T0, resourceVersionOf(es("u1", 1)));
    expect(m.recall(es("u1", 1))?.at).toBe(T0);
    expect(m.recall(es("u1", 2))?.at).toBeUndefined();
    expect(m.recall(es("u2", 1))?.at).toBeUndefined();
  });

  it("recalls the version it synced until the object's status shows it, then forgets it", () => {
    const m = new RefreshMemory();
    const unsynced = es("u1", 1);
    m.record(unsynced, T0, resourceVersionOf(unsynced));
    const version = resourceVersionOf(unsynced);
    expect(m.recall(unsynced)).toEqual({ at: T0, syncedVersion: version });
    const caughtUp = makeEs({}, { metadata: { uid: "u1", generation: 1 }, status: { refreshTime: new Date(T0).toISOString(), syncedResourceVersion: version } });
    expect(m.recall(caughtUp)).toEqual({ at: T0 });
    // Forgotten: the status is the record again.
    expect(m.recall(unsynced)).toEqual({ at: T0 });
    // A refresh recorded from a copy that already shows the version leaves nothing unseen.
    m.record(caughtUp, T0 + 5, resourceVersionOf(caughtUp));
    expect(m.recall(unsynced)).toEqual({ at: T0 + 5 });
  });

  it("recalls nothing for an object it never refreshed", () => {
    const m = new RefreshMemory();
    m.record(es("u1", 1), T0, resourceVersionOf(es("u1", 1)));
    expect(m.recall(es("u1", 2))).toBeUndefined();
    expect(m.recall(es("", 1))).toBeUndefined();
  });

  it("keeps the latest instant", () => {
    const m = new RefreshMemory();
    m.record(es("u1", 1), T0 + 5, resourceVersionOf(es("u1", 1)));
    m.record(es("u1", 1), T0, resourceVersionOf(es("u1", 1)));
    expect(m.recall(es("u1", 1))?.at).toBe(T0 + 5);
  });

  it("remembers nothing for an object without uid", () => {
    const m = new RefreshMemory();
    m.record(es("", 1), T0, resourceVersionOf(es("", 1)));
    expect(m.size).toBe(0);
  });

  it("is bounded, dropping the least recently recorded", () => {
    const m = new RefreshMemory(2);
    m.record(es("a", 1), T0, resourceVersionOf(es("a", 1)));
    m.record(es("b", 1), T0, resourceVersionOf(es("b", 1)));
    m.record(es("a", 1), T0 + 1, resourceVersionOf(es("a", 1)));
    m.record(es("c", 1), T0, resourceVersionOf(es("c", 1)));
    expect(m.size).toBe(2);
    expect(m.recall(es("b", 1))?.at).toBeUndefined();
    expect(m.recall(es("a", 1))?.at).toBe(T0 + 1);
  });
});

describe("canSkipStatusWrite", () => {
  const ok: SyncResult = { kind: "synced", reason: "SecretSynced", message: "secret synced", syncedResourceVersion: "1-x", secretName: "s" };
  const first = nextStatus(makeEs({}), ok, T0);
  const after = makeEs({}, { status: { ...first } });
  const cases: { reason: string; prev: ReturnType<typeof makeEs>; result: SyncResult; written: boolean; skip: boolean }[] = [
    { reason: "a refresh that changed nothing: only refreshTime would move", prev: after, result: ok, written: false, skip: true },
    { reason: "the first sync always writes (refreshTime is its record)", prev: makeEs({}), result: ok, written: false, skip: false },
    { reason: "a Secret write is reported with a fresh refreshTime", prev: after, result: ok, written: true, skip: false },
    { reason: "a new syncedResourceVersion (spec/annotation change) is written", prev: after, result: { ...ok, syncedResourceVersion: "2-x" }, written: false, skip: false },
    { reason: "another condition reason is written", prev: after, result: { ...ok, reason: "SecretDeleted" }, written: false, skip: false },
    { reason: "a failure after success flips Ready: written", prev: after, result: { kind: "failed", reason: "SecretSyncedError", message: "boom" }, written: false, skip: false },
  ];
  it.each(cases)("$reason", ({ prev, result, written, skip }) => {
    expect(canSkipStatusWrite(prev.status, nextStatus(prev, result, T0 + H), written)).toBe(skip);
  });

  it("the same failure again is not rewritten", () => {
    const failed: SyncResult = { kind: "failed", reason: "SecretSyncedError", message: "boom" };
    const es = makeEs({}, { status: { ...nextStatus(after, failed, T0 + H) } });
    expect(canSkipStatusWrite(es.status, nextStatus(es, failed, T0 + 2 * H), false)).toBe(true);
  });
});

describe("refresh grid (ExternalSecrets of one store refresh together, so their reads coalesce)", () => {
  const onStore = (name: string, interval: string, kind = "SecretStore"): ReturnType<typeof makeEs> => makeEs({ refreshInterval: interval, secretStoreRef: { name, kind } });

  it("pins the fixture store's phases (the table above relies on them)", () => {
    expect(refreshPhase(makeEs({}), H)).toBe(PH);
    expect(refreshPhase(makeEs({}), 15_000)).toBe(P15);
  });

  it("ExternalSecrets of one store first synced at different instants come due at the same instant", () => {
    const es = onStore("vault", "30s");
    const g = nextDueAfterSync(es, T0) ?? Number.NaN;
    const dues = [g, g + 3, g + 7_000, g + 12_345, g + 29_999].map((at) => nextDueAfterSync(es, at));
    expect(dues).toEqual(Array<number>(5).fill(g + 30_000));
  });

  it("different stores get different phases (spread over the interval)", () => {
    const phases = new Set(["a", "b", "c", "d", "e", "f"].map((n) => refreshPhase(onStore(n, "30s"), 30_000)));
    expect(phases.size).toBeGreaterThan(1);
    expect(refreshPhase(onStore("a", "30s"), 30_000)).not.toBe(refreshPhase(onStore("a", "30s", "ClusterSecretStore"), 30_000));
  });

  it("is sound: the next refresh is strictly after the last and never later than last + interval (fixed-seed sample)", () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      const intervalMs = [1000, 1500, 30_000, 3_600_000][i % 4] ?? 1000;
      const es = makeEs({ refreshInterval: `${String(intervalMs)}ms`, secretStoreRef: { name: `s${String(i % 7)}`, kind: "SecretStore" } });
      const last = T0 + Math.floor(rnd() * 10 * H);
      const next = nextOnGrid(es, last);
      expect(next).toBeGreaterThan(last);
      expect(next).toBeLessThanOrEqual(last + intervalMs);
      expect((next - refreshPhase(es, intervalMs)) % intervalMs).toBe(0);
    }
  });

  it("a refreshTime read back from status (whole seconds) schedules the same grid instant", () => {
    const es = onStore("vault", "30s");
    const g = nextDueAfterSync(es, T0) ?? Number.NaN;
    const refreshedAt = g + 400; // the reconcile ran 0.4 s after its grid instant
    const afterRestart = makeEs({ refreshInterval: "30s", secretStoreRef: { name: "vault", kind: "SecretStore" } }, { status: { refreshTime: new Date(Math.floor(refreshedAt / 1000) * 1000).toISOString(), syncedResourceVersion: resourceVersionOf(es) } });
    expect(planRefresh(afterRestart, true, refreshedAt + 1000)).toEqual({ sync: false, reason: "not-due", requeueAfterMs: g + 30_000 - (refreshedAt + 1000) });
  });

  it("a periodic refresh carries the grid instant it fell due at, whenever it is processed (the coalescer's freshness bound)", () => {
    const es = onStore("vault", "30s");
    const g = nextDueAfterSync(es, T0) ?? Number.NaN;
    const synced = makeEs({ refreshInterval: "30s", secretStoreRef: { name: "vault", kind: "SecretStore" } }, { status: { refreshTime: new Date(g).toISOString(), syncedResourceVersion: resourceVersionOf(es) } });
    for (const late of [0, 1, 12_000, 29_000]) {
      const d = planRefresh(synced, true, g + 30_000 + late);
      expect(d).toMatchObject({ sync: true, reason: "interval-elapsed", dueAt: g + 30_000 });
    }
    // Syncs for other reasons are not periodic: no due instant, the coalescer's short window applies.
    expect(planRefresh(synced, false, g + 1000).dueAt).toBeUndefined();
    expect(planRefresh(makeEs({ refreshInterval: "30s" }), true, g).dueAt).toBeUndefined();
  });
});
