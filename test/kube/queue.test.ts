import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kube/clock.ts";
import { WorkQueue, type QueueMetrics } from "../../src/kube/queue.ts";

/** A handler whose runs the test finishes by hand. */
function manualHandler(): {
  handler: (key: string) => Promise<void>;
  started: string[];
  active: Map<string, () => void>;
  finish: (key: string) => Promise<void>;
} {
  const started: string[] = [];
  const active = new Map<string, () => void>();
  return {
    started,
    active,
    handler: (key) =>
      new Promise<void>((resolve) => {
        started.push(key);
        active.set(key, resolve);
      }),
    finish: async (key) => {
      const r = active.get(key);
      if (r === undefined) throw new Error(`${key} is not running`);
      active.delete(key);
      r();
      await flush();
    },
  };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const unlimited = { qps: 0, burst: 1 };

describe("WorkQueue", () => {
  it("deduplicates a key added several times while waiting", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 1, rateLimit: unlimited });
    const h = manualHandler();
    q.add("ns/a");
    q.add("ns/a");
    q.add("ns/b");
    q.add("ns/a");
    expect(q.depth).toBe(2); // a, b: duplicates collapse
    q.start(h.handler);
    await h.finish("ns/a");
    await h.finish("ns/b");
    expect(h.started).toEqual(["ns/a", "ns/b"]);
  });

  it("never runs one key twice at once; a re-add during processing runs once more afterwards", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 10, rateLimit: unlimited });
    const h = manualHandler();
    q.start(h.handler);
    q.add("ns/a");
    await flush();
    expect(h.started).toEqual(["ns/a"]);
    q.add("ns/a");
    q.add("ns/a");
    await flush();
    expect(h.started).toEqual(["ns/a"]); // not a second concurrent run
    expect(q.depth).toBe(0);
    await h.finish("ns/a");
    expect(h.started).toEqual(["ns/a", "ns/a"]); // exactly one more run
    await h.finish("ns/a");
    expect(h.started).toHaveLength(2);
  });

  it("respects the concurrency limit", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 3, rateLimit: unlimited });
    const h = manualHandler();
    q.start(h.handler);
    for (let i = 0; i < 10; i++) q.add(`ns/k${String(i)}`);
    await flush();
    expect(h.active.size).toBe(3);
    await h.finish("ns/k0");
    expect(h.active.size).toBe(3);
    expect(h.started).toEqual(["ns/k0", "ns/k1", "ns/k2", "ns/k3"]);
  });

  it("drains the high lane before the low lane, and a high add lifts a waiting low key", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 1, rateLimit: unlimited });
    const h = manualHandler();
    for (let i = 0; i < 5; i++) q.add(`ns/refresh${String(i)}`, "low");
    q.add("ns/edited", "high");
    q.add("ns/refresh3", "high"); // edited while waiting for its refresh
    q.start(h.handler);
    for (;;) {
      const next = [...h.active.keys()][0];
      if (next === undefined) break;
      await h.finish(next);
    }
    expect(h.started).toEqual(["ns/edited", "ns/refresh3", "ns/refresh0", "ns/refresh1", "ns/refresh2", "ns/refresh4"]);
  });

  it("backs off per key exponentially up to the cap, and forget resets it", () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, rateLimit: unlimited, backoff: { baseMs: 100, capMs: 1000 } });
    const delays = Array.from({ length: 6 }, () => q.addRateLimited("ns/a"));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.addRateLimited("ns/b")).toBe(100); // per key
    q.forget("ns/a");
    expect(q.addRateLimited("ns/a")).toBe(100);
  });

  it("fires delayed adds at their deadline through a single timer", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 100, rateLimit: unlimited });
    const h = manualHandler();
    q.start(h.handler);
    for (let i = 0; i < 1000; i++) q.addAfter(`ns/k${String(i)}`, 1000 + i);
    expect(clock.pendingTimers).toBe(1); // one timer for 1000 deadlines
    clock.advance(999);
    await flush();
    expect(h.started).toHaveLength(0);
    clock.advance(10);
    await flush();
    expect(h.started).toEqual(Array.from({ length: 10 }, (_, i) => `ns/k${String(i)}`));
    expect(clock.pendingTimers).toBe(1);
  });

  it("keeps one deadline per key: the latest addAfter replaces the earlier one", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, rateLimit: unlimited });
    const h = manualHandler();
    q.start(h.handler);
    q.addAfter("ns/a", 100);
    q.addAfter("ns/a", 500);
    clock.advance(200);
    await flush();
    expect(h.started).toEqual([]);
    clock.advance(300);
    await flush();
    expect(h.started).toEqual(["ns/a"]);
  });

  it("jitters delayed adds into [delay*(1-jitter), delay] so refreshes after a restart spread out", () => {
    const clock = new ManualClock();
    let seed = 42;
    const random = (): number => {
      // fixed-seed LCG so the spread is reproducible
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const q = new WorkQueue({ clock, rateLimit: unlimited, random });
    for (let i = 0; i < 200; i++) q.addAfter(`ns/k${String(i)}`, 60_000, { jitter: 0.2 });
    const ats = Array.from({ length: 200 }, (_, i) => q.deadlineOf(`ns/k${String(i)}`) ?? -1);
    expect(Math.min(...ats)).toBeGreaterThanOrEqual(48_000);
    expect(Math.max(...ats)).toBeLessThanOrEqual(60_000);
    expect(new Set(ats.map((a) => Math.floor(a / 1000))).size).toBeGreaterThan(10); // spread over >10 s
  });

  it("hands out keys no faster than the token bucket allows", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 1000, rateLimit: { qps: 10, burst: 5 } });
    const started: string[] = [];
    q.start((key) => {
      started.push(key);
      return Promise.resolve();
    });
    for (let i = 0; i < 30; i++) q.add(`ns/k${String(i)}`);
    await flush();
    expect(started).toHaveLength(5); // the burst
    clock.advance(1000);
    await flush();
    expect(started).toHaveLength(15); // + 10 per second
    clock.advance(1000);
    await flush();
    expect(started).toHaveLength(25);
  });

  it("drains on shutDown: no new keys are taken, in-flight work finishes, then it resolves", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 2, rateLimit: unlimited });
    const h = manualHandler();
    q.start(h.handler);
    for (const k of ["ns/a", "ns/b", "ns/c"]) q.add(k);
    q.addAfter("ns/d", 10);
    await flush();
    let done = false;
    const drained = q.shutDown().then(() => {
      done = true;
    });
    await h.finish("ns/a");
    expect(done).toBe(false);
    expect(h.started).toEqual(["ns/a", "ns/b"]); // c was not taken after shutDown
    await h.finish("ns/b");
    await drained;
    expect(done).toBe(true);
    q.add("ns/e");
    clock.advance(100);
    await flush();
    expect(h.started).toEqual(["ns/a", "ns/b"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("reports depth, wait time and work duration", async () => {
    const clock = new ManualClock();
    const seen = { depth: [] as number[], wait: [] as number[], work: [] as number[], retries: 0 };
    const metrics: QueueMetrics = {
      depth: (n) => seen.depth.push(n),
      waitMs: (ms) => seen.wait.push(ms),
      workMs: (ms) => seen.work.push(ms),
      retry: () => {
        seen.retries++;
      },
    };
    const q = new WorkQueue({ clock, concurrency: 1, rateLimit: unlimited, metrics });
    const h = manualHandler();
    q.add("ns/a");
    q.add("ns/b");
    clock.advance(50);
    q.start(h.handler);
    clock.advance(20);
    await h.finish("ns/a");
    q.addRateLimited("ns/c");
    expect(seen.depth).toEqual([1, 2, 1, 0]);
    expect(seen.wait).toEqual([50, 70]);
    expect(seen.work).toEqual([20]);
    expect(seen.retries).toBe(1);
  });

  it("keeps going when a handler throws", async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock, concurrency: 1, rateLimit: unlimited });
    const started: string[] = [];
    q.start((key) => {
      started.push(key);
      return Promise.reject(new Error("boom"));
    });
    q.add("ns/a");
    q.add("ns/b");
    await flush();
    expect(started).toEqual(["ns/a", "ns/b"]);
  });
});
