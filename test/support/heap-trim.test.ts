import { describe, expect, it } from "vitest";
import { HeapTrimmer, startHeapTrimmer } from "../../src/support/heap-trim.ts";

const MB = 2 ** 20;

/** A heap whose size the test sets, a loop whose busy share the test sets, and a count of collections. */
function fakeProcess(startMb: number) {
  const state = { heapMb: startMb, busy: 0, collections: 0, liveMb: startMb, now: 0 };
  const trims: { before: number; after: number; reason: string }[] = [];
  const trimmer = new HeapTrimmer({
    collect: () => {
      state.collections++;
      state.heapMb = state.liveMb;
    },
    residentBytes: () => state.heapMb * MB,
    busySinceLastCall: () => state.busy,
    onTrim: (t) => trims.push({ before: t.before / MB, after: t.after / MB, reason: t.reason }),
    now: () => state.now,
  });
  return { state, trims, trimmer };
}

describe("HeapTrimmer", () => {
  it("collects once the loop is idle after the heap grew past the baseline, and reports the sizes", () => {
    const { state, trims, trimmer } = fakeProcess(60);
    state.heapMb = 300;
    state.liveMb = 70;
    expect(trimmer.check()).toBe(true);
    expect(state.collections).toBe(1);
    expect(trims).toEqual([{ before: 300, after: 70, reason: "grown" }]);
  });

  it("never collects while the loop is saturated, however large the heap", () => {
    const { state, trimmer } = fakeProcess(60);
    state.heapMb = 900;
    state.busy = 0.97;
    expect(trimmer.check()).toBe(false);
    state.busy = 0.5; // the threshold itself counts as saturated
    expect(trimmer.check()).toBe(false);
    expect(state.collections).toBe(0);
    state.busy = 0.3; // a large fleet's steady state: busy, never idle, still trimmed
    expect(trimmer.check()).toBe(true);
  });

  it("waits while work is queued or in hand, however idle the loop (a cold sync waiting on the API server)", () => {
    let working = true;
    const state = { heapMb: 60, collections: 0 };
    const trimmer = new HeapTrimmer({
      collect: () => {
        state.collections++;
        state.heapMb = 70;
      },
      residentBytes: () => state.heapMb * MB,
      busySinceLastCall: () => 0.2,
      workInHand: () => working,
      now: () => 0,
    });
    state.heapMb = 300;
    expect(trimmer.check()).toBe(false);
    working = false;
    expect(trimmer.check()).toBe(true);
    expect(state.collections).toBe(1);
  });

  it("leaves at least 15 s between two trims", () => {
    const { state, trimmer } = fakeProcess(60);
    state.heapMb = 300;
    expect(trimmer.check()).toBe(true);
    state.heapMb = 300;
    state.now = 14_999;
    expect(trimmer.check()).toBe(false);
    state.now = 15_000;
    expect(trimmer.check()).toBe(true);
    expect(state.collections).toBe(2);
  });

  it("leaves a heap alone that grew by less than 8 MiB or by less than a twentieth of the baseline", () => {
    const { state, trimmer } = fakeProcess(60);
    state.heapMb = 60 + 8;
    expect(trimmer.check()).toBe(false);
    const large = fakeProcess(200);
    large.state.heapMb = 209; // +9 MB: over 8 MiB but under a twentieth of 200
    expect(large.trimmer.check()).toBe(false);
    large.state.heapMb = 211;
    expect(large.trimmer.check()).toBe(true);
    expect(state.collections + large.state.collections).toBe(1);
  });

  it("measures growth from what the last trim left, so a second burst is trimmed again and an idle heap is not", () => {
    const { state, trimmer } = fakeProcess(60);
    state.heapMb = 250;
    state.liveMb = 80;
    expect(trimmer.check()).toBe(true);
    state.now = 45_000; // past the 15 s between trims, before the one-minute revisit
    expect(trimmer.check()).toBe(false); // nothing grew since
    state.heapMb = 88; // +8 MB over 80: not enough
    expect(trimmer.check()).toBe(false);
    state.heapMb = 89;
    expect(trimmer.check()).toBe(true);
    expect(state.collections).toBe(2);
  });

  it("revisits a trimmed process a minute after its last trim: a trim during a burst left a line the quiet process never crosses", () => {
    const { state, trims, trimmer } = fakeProcess(60);
    state.heapMb = 250;
    state.liveMb = 200; // trimmed partway into a burst: most of it was live then
    expect(trimmer.check()).toBe(true);
    state.heapMb = 205; // the burst is over; 205 is under the line of 210 for good
    state.liveMb = 120;
    state.now = 59_999;
    expect(trimmer.check()).toBe(false);
    state.now = 60_000;
    expect(trimmer.check()).toBe(true);
    expect(trims.at(-1)).toEqual({ before: 205, after: 120, reason: "revisit" });
  });

  it("never revisits a process it never trimmed (one that did not grow is never paused)", () => {
    const { state, trimmer } = fakeProcess(60);
    for (let t = 0; t <= 3_600_000; t += 5_000) {
      state.now = t;
      expect(trimmer.check()).toBe(false);
    }
    expect(state.collections).toBe(0);
  });

  it("waits twice as long after a revisit that gave back little, up to 10 min, and a minute again after one that gave back much", () => {
    const { state, trims, trimmer } = fakeProcess(60);
    state.heapMb = 250;
    state.liveMb = 100;
    expect(trimmer.check()).toBe(true); // t=0, grown
    const revisitsAt: number[] = [];
    for (let t = 5_000; t <= 1_800_000; t += 5_000) {
      state.now = t;
      state.heapMb = 103; // 3 MB over the live set each time: a revisit gives back less than 4 MiB
      if (trimmer.check()) revisitsAt.push(t);
    }
    expect(revisitsAt.slice(0, 5)).toEqual([60_000, 180_000, 420_000, 900_000, 1_500_000]);
    expect(trims.slice(1).every((t) => t.reason === "revisit")).toBe(true);
    // One that gives back much: the next comes a minute later again.
    state.now = 1_500_000 + 600_000;
    state.heapMb = 107; // under the line (108.4), 7 MB over the live set
    expect(trimmer.check()).toBe(true);
    expect(trims.at(-1)).toEqual({ before: 107, after: 100, reason: "revisit" });
    state.now += 60_000;
    state.heapMb = 106;
    expect(trimmer.check()).toBe(true);
  });

  it("lowers its baseline when V8 shrinks the heap on its own", () => {
    const { state, trimmer } = fakeProcess(200);
    state.heapMb = 100;
    expect(trimmer.check()).toBe(false);
    state.heapMb = 109; // over the new baseline of 100 by more than 8 MiB
    expect(trimmer.check()).toBe(true);
  });
});

describe("startHeapTrimmer", () => {
  it("does nothing without --expose-gc (vitest runs without it)", () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(startHeapTrimmer()).toBeUndefined();
  });
});

describe("startHeapTrimmer in a Node process started with --expose-gc", () => {
  it("gives a burst's heap back once the loop goes idle", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    // A burst that holds ~150 MB of small objects, then drops them; the trimmer checks every 100 ms.
    const script = `
      import { getHeapStatistics } from "node:v8";
      import { startHeapTrimmer } from ${JSON.stringify(new URL("../../src/support/heap-trim.ts", import.meta.url).href)};
      const trims = [];
      const stop = startHeapTrimmer({ intervalMs: 100, onTrim: (t) => trims.push(t) });
      let held = [];
      for (let i = 0; i < 1_500_000; i++) held.push({ i, s: "v" + i, a: [i, i + 1] });
      const peak = getHeapStatistics().total_heap_size;
      const rssPeak = process.memoryUsage.rss();
      held = null;
      await new Promise((r) => setTimeout(r, 1500));
      stop();
      console.log(JSON.stringify({ peak, after: getHeapStatistics().total_heap_size, trims: trims.length, rssPeak, rssAfter: process.memoryUsage.rss() }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--input-type=module", "-e", script]);
    const r = JSON.parse(stdout) as { peak: number; after: number; trims: number; rssPeak: number; rssAfter: number };
    expect(r.peak).toBeGreaterThan(100 * MB);
    expect(r.trims).toBeGreaterThanOrEqual(1);
    expect(r.after).toBeLessThan(r.peak / 3);
    expect(r.rssAfter).toBeLessThan(r.rssPeak / 2);
  });
});

describe("the steady-state heap growth after the first trim", () => {
  // Two children with --expose-gc run the same work: a burst (trimmed once the loop goes quiet),
  // then steady churn over a 100 MB live set whose garbage lives long enough to be promoted. With
  // steadyHeapGrowthPercent the old generation stays near the live set; with 0 (V8's own policy)
  // it grows to several times it.
  async function peakHeapAfterFirstTrim(steadyHeapGrowthPercent: number): Promise<{ trims: number; peakMb: number }> {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const script = `
      import { getHeapStatistics } from "node:v8";
      import { startHeapTrimmer } from ${JSON.stringify(new URL("../../src/support/heap-trim.ts", import.meta.url).href)};
      let trims = 0;
      const stop = startHeapTrimmer({ intervalMs: 50, steadyHeapGrowthPercent: ${String(steadyHeapGrowthPercent)}, onTrim: () => { trims++; } });
      let burst = [];
      for (let i = 0; i < 1_000_000; i++) burst.push({ i, s: "b" + i });
      burst = null;
      while (trims === 0) await new Promise((r) => setTimeout(r, 20));
      stop();
      const live = [];
      for (let i = 0; i < 1_000_000; i++) live.push({ i, s: "x" + i });
      const ring = new Array(200).fill(null);
      let peak = 0;
      for (let round = 0; round < 3000; round++) {
        const batch = [];
        for (let j = 0; j < 2000; j++) batch.push({ j, a: [j, j + 1], s: "y" + j });
        ring[round % 200] = batch;
        if (round % 50 === 0) peak = Math.max(peak, getHeapStatistics().total_heap_size);
      }
      console.log(JSON.stringify({ trims, peakMb: peak / 2 ** 20, live: live.length }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--input-type=module", "-e", script]);
    return JSON.parse(stdout) as { trims: number; peakMb: number };
  }

  it("keeps the old generation near the live set once the first burst was trimmed", async () => {
    const [tight, v8Policy] = await Promise.all([peakHeapAfterFirstTrim(25), peakHeapAfterFirstTrim(0)]);
    expect(tight.trims).toBe(1);
    expect(v8Policy.trims).toBe(1);
    expect(tight.peakMb).toBeLessThan(v8Policy.peakMb * 0.8);
  }, 60_000);
});
