import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kube/clock.ts";
import type { KubeObject, WatchEvent } from "../../src/kube/client.ts";
import { KsealError } from "../../src/errors.ts";
import { Informer, type Change, type WatchSource } from "../../src/kube/watch.ts";

const obj = (name: string, rv: string): KubeObject => ({ metadata: { namespace: "ns", name, resourceVersion: rv } });

interface OpenWatch {
  rv: string;
  emit(e: WatchEvent): void;
  end(): void;
  fail(e: Error): void;
}

/** A source the test drives by hand: lists answer from `listing`, watches stay open until told. */
function scriptedSource(): { source: WatchSource; lists: number; watches: OpenWatch[]; listing: { items: KubeObject[]; rv: string }; failLists: number } {
  const state = {
    lists: 0,
    watches: [] as OpenWatch[],
    listing: { items: [] as KubeObject[], rv: "1" },
    failLists: 0,
    source: undefined as unknown as WatchSource,
  };
  state.source = {
    list: () => {
      state.lists++;
      if (state.failLists > 0) {
        state.failLists--;
        return Promise.reject(new KsealError("KUBE_UNREACHABLE", "down"));
      }
      return Promise.resolve({ items: [...state.listing.items], resourceVersion: state.listing.rv });
    },
    watch: (rv, onEvent, signal) =>
      new Promise<void>((resolve, reject) => {
        signal.addEventListener("abort", () => {
          resolve();
        });
        state.watches.push({
          rv,
          emit: (e) => {
            try {
              onEvent(e);
            } catch (err: unknown) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          },
          end: resolve,
          fail: reject,
        });
      }),
  };
  return state;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function last<T>(xs: T[]): T {
  const x = xs[xs.length - 1];
  if (x === undefined) throw new Error("empty");
  return x;
}

describe("Informer", () => {
  it("lists, reports synced, then applies watch events from the list's resourceVersion", async () => {
    const s = scriptedSource();
    s.listing = { items: [obj("a", "5")], rv: "10" };
    const clock = new ManualClock();
    const inf = new Informer({ name: "t", source: s.source, clock });
    const changes: string[] = [];
    inf.onChange((c: Change) => changes.push(`${c.type}:${c.key}:${String(c.initial)}`));
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await inf.waitForSync();
    await flush();
    expect(inf.hasSynced()).toBe(true);
    expect(last(s.watches).rv).toBe("10");
    last(s.watches).emit({ type: "ADDED", object: obj("b", "11") });
    last(s.watches).emit({ type: "MODIFIED", object: obj("a", "12") });
    last(s.watches).emit({ type: "DELETED", object: obj("b", "13") });
    last(s.watches).emit({ type: "BOOKMARK", object: { metadata: { resourceVersion: "20" } } });
    expect(changes).toEqual(["added:ns/a:true", "added:ns/b:false", "updated:ns/a:false", "deleted:ns/b:false"]);
    expect(inf.keys()).toEqual(["ns/a"]);
    last(s.watches).end(); // server timeout: resumes at once from the bookmark
    await flush();
    expect(s.watches).toHaveLength(2);
    expect(last(s.watches).rv).toBe("20");
    expect(s.lists).toBe(1);
    ac.abort();
    await running;
  });

  it("restarts a failed watch from the last resourceVersion with capped exponential backoff", async () => {
    const s = scriptedSource();
    const clock = new ManualClock();
    const inf = new Informer({ name: "t", source: s.source, clock, backoff: { baseMs: 100, capMs: 400 } });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await flush();
    last(s.watches).emit({ type: "ADDED", object: obj("a", "7") });
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      last(s.watches).fail(new KsealError("KUBE_WATCH_BROKEN", "broken"));
      await flush();
      const before = s.watches.length;
      let waited = 0;
      while (s.watches.length === before) {
        clock.advance(10);
        waited += 10;
        await flush();
      }
      waits.push(waited);
    }
    expect(waits).toEqual([100, 200, 400, 400, 400]);
    expect(s.watches.map((w) => w.rv)).toEqual(["1", "7", "7", "7", "7", "7"]);
    expect(s.lists).toBe(1); // no relist for ordinary errors
    expect(inf.stats.errors).toBe(5);
    ac.abort();
    await running;
  });

  it("relists on 410 Gone (HTTP or ERROR event) and reports deletions missed meanwhile", async () => {
    const s = scriptedSource();
    s.listing = { items: [obj("a", "1"), obj("b", "1")], rv: "1" };
    const clock = new ManualClock();
    const inf = new Informer({ name: "t", source: s.source, clock });
    const changes: string[] = [];
    inf.onChange((c) => changes.push(`${c.type}:${c.key}`));
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await flush();
    changes.length = 0;
    s.listing = { items: [obj("a", "9"), obj("c", "9")], rv: "9" };
    last(s.watches).emit({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
    await flush();
    expect(s.lists).toBe(2); // immediate relist
    expect(changes).toEqual(["updated:ns/a", "added:ns/c", "deleted:ns/b"]);
    expect(last(s.watches).rv).toBe("9");
    last(s.watches).fail(new KsealError("KUBE_API_ERROR", "gone", { details: { status: 410 } }));
    await flush();
    expect(s.lists).toBe(3);
    ac.abort();
    await running;
  });

  it.each([true, false])("lists one namespace's objects through watch events and relists (index: %s)", async (indexNamespaces) => {
    const inNs = (namespace: string, name: string, rv: string): KubeObject => ({ metadata: { namespace, name, resourceVersion: rv } });
    const names = (objects: KubeObject[]): string[] => objects.map((o) => o.metadata?.name ?? "").sort();
    const s = scriptedSource();
    s.listing = { items: [inNs("a", "x", "1"), inNs("a", "y", "1"), inNs("b", "x", "1")], rv: "1" };
    const inf = new Informer({ name: "t", source: s.source, clock: new ManualClock(), indexNamespaces });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await inf.waitForSync();
    await flush();
    expect(names(inf.listNamespace("a"))).toEqual(["x", "y"]);
    expect(names(inf.listNamespace("b"))).toEqual(["x"]);
    last(s.watches).emit({ type: "ADDED", object: inNs("b", "z", "2") });
    last(s.watches).emit({ type: "MODIFIED", object: inNs("a", "x", "3") });
    last(s.watches).emit({ type: "DELETED", object: inNs("a", "y", "4") });
    expect(names(inf.listNamespace("a"))).toEqual(["x"]);
    expect(inf.listNamespace("a")[0]?.metadata?.resourceVersion).toBe("3");
    expect(names(inf.listNamespace("b"))).toEqual(["x", "z"]);
    // A relist that misses a namespace's last object empties it; a new namespace appears.
    s.listing = { items: [inNs("b", "x", "5"), inNs("c", "w", "5")], rv: "5" };
    last(s.watches).emit({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
    await flush();
    expect(inf.listNamespace("a")).toEqual([]);
    expect(names(inf.listNamespace("b"))).toEqual(["x"]);
    expect(names(inf.listNamespace("c"))).toEqual(["w"]);
    expect(inf.listNamespace("nowhere")).toEqual([]);
    ac.abort();
    await running;
  });

  it("keeps retrying a failing list with backoff until it succeeds, and only then reports synced", async () => {
    const s = scriptedSource();
    s.failLists = 3;
    const clock = new ManualClock();
    const inf = new Informer({ name: "t", source: s.source, clock, backoff: { baseMs: 100, capMs: 1000 } });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await flush();
    expect(inf.hasSynced()).toBe(false);
    for (const step of [99, 1, 199, 1, 399]) {
      clock.advance(step);
      await flush();
    }
    expect(s.lists).toBe(3); // 100 ms and 200 ms waits done, 400 ms not yet
    expect(inf.hasSynced()).toBe(false);
    clock.advance(1);
    await flush();
    expect(s.lists).toBe(4);
    expect(inf.hasSynced()).toBe(true);
    ac.abort();
    await running;
  });

  it("backs off when the server ends watches instantly without events", async () => {
    const s = scriptedSource();
    const clock = new ManualClock();
    const inf = new Informer({ name: "t", source: s.source, clock, backoff: { baseMs: 100, capMs: 1000 } });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await flush();
    last(s.watches).end();
    await flush();
    expect(s.watches).toHaveLength(1); // waiting, not spinning
    clock.advance(100);
    await flush();
    expect(s.watches).toHaveLength(2);
    ac.abort();
    await running;
  });

  it("stops when aborted, even in the middle of a backoff", async () => {
    const s = scriptedSource();
    const clock = new ManualClock();
    const inf = new Informer({ name: "t", source: s.source, clock });
    const ac = new AbortController();
    const running = inf.run(ac.signal);
    await flush();
    last(s.watches).fail(new Error("x"));
    await flush();
    ac.abort();
    await running;
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("Informer memory", () => {
  it("keeps no object of its first list once watch events have replaced it in the cache", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    // In a child with --expose-gc: a WeakRef to the listed object must clear after a MODIFIED event
    // replaced it in the cache (the list response once lived on in run()'s frame for good).
    const script = `
      import { Informer } from ${JSON.stringify(new URL("../../src/kube/watch.ts", import.meta.url).href)};
      let first = { metadata: { namespace: "ns", name: "a", resourceVersion: "1" }, spec: { big: "x".repeat(100000) } };
      const ref = new WeakRef(first);
      let items = [first];
      first = undefined;
      let emit;
      const source = {
        list: async () => { const r = { items, resourceVersion: "1" }; items = undefined; return r; },
        watch: (rv, onEvent, signal) => new Promise((resolve) => { emit = onEvent; signal.addEventListener("abort", () => resolve()); }),
      };
      const informer = new Informer({ source, name: "t" });
      const stop = new AbortController();
      const running = informer.run(stop.signal);
      while (emit === undefined) await new Promise((r) => setTimeout(r, 1));
      const listedBefore = ref.deref() !== undefined;
      emit({ type: "MODIFIED", object: { metadata: { namespace: "ns", name: "a", resourceVersion: "2" } } });
      await new Promise((r) => setTimeout(r, 10));
      gc();
      await new Promise((r) => setTimeout(r, 10));
      gc();
      console.log(JSON.stringify({ listedBefore, retained: ref.deref() !== undefined, cached: informer.get("ns/a")?.metadata.resourceVersion }));
      stop.abort();
      await running;
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--input-type=module", "-e", script]);
    expect(JSON.parse(stdout)).toEqual({ listedBefore: true, retained: false, cached: "2" });
  });
});
