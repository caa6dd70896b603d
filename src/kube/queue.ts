/**
 * A keyed work queue in the client-go mould, for reconcilers that take a key and re-read state.
 *
 * - Deduplicated: a key waiting in the queue is held once, however often it is added.
 * - One at a time: a key is never handed to two workers; a key added while it is being processed is
 *   marked dirty and handed out again after the current run finishes.
 * - Two lanes: `high` (new and edited objects) is always drained before `low` (periodic refreshes,
 *   retries, the initial list), so an edit never waits behind a wave of refreshes.
 * - Delayed adds (`addAfter`) live in ONE binary min-heap served by ONE timer, not a timer per key;
 *   each key has at most one pending deadline (the latest call wins) and jitter spreads refreshes.
 * - Per-key capped exponential backoff (`addRateLimited`), reset by `forget`.
 * - An overall token bucket limits how fast keys are handed out, whatever the concurrency.
 * - `shutDown()` stops handing out keys and resolves once in-flight work has finished.
 */
import { exponentialBackoff, systemClock, type Clock, type TimerHandle } from "./clock.ts";
import type { ObjectKey } from "./outcome.ts";

export type Lane = "high" | "low";

/** Hooks for queue metrics (see `metrics.ts` for the Prometheus implementation). */
export interface QueueMetrics {
  /** Keys waiting to be handed out (both lanes; not delayed, not in flight). */
  depth(n: number): void;
  /** Time from a key entering a lane to a worker taking it. */
  waitMs(ms: number): void;
  /** Time a worker spent on one key. */
  workMs(ms: number): void;
  /** A key was scheduled through `addRateLimited`. */
  retry(): void;
}

export interface WorkQueueOptions {
  readonly clock?: Clock;
  /** Workers running at once. Default 50. */
  readonly concurrency?: number;
  /**
   * Token bucket over hand-outs: `qps` sustained, `burst` at once. Default 1,000/s with a burst of
   * 1,000: a guard against a runaway loop, not the throttle. `concurrency` bounds the load a queue
   * puts on the API server and stores have their own limiters, while most hand-outs cost neither: a
   * periodic refresh of an unchanged Secret reads a coalesced store value and writes nothing. The
   * first default, 250/s, capped a fleet at 7,500 ExternalSecrets per 30 s refresh interval; at
   * 10,000 the refresh cycle stretched to 40 s and rotations waited behind it (bench, ADR 0007).
   */
  readonly rateLimit?: { readonly qps: number; readonly burst: number };
  /** Per-key backoff of `addRateLimited`: `base * 2^failures`, capped. Default 500 ms … 5 min. */
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
  /** Uniform [0,1) source for jitter; injectable for tests. Default Math.random. */
  readonly random?: () => number;
  readonly metrics?: QueueMetrics;
}

export interface AddAfterOptions {
  /** Lane the key joins when its deadline passes. Default `low`. */
  readonly lane?: Lane;
  /**
   * Fraction in [0,1]: the delay becomes `delay * (1 - jitter * r)` with r uniform in [0,1), so a
   * periodic refresh never comes later than asked and a restart does not line refreshes up.
   */
  readonly jitter?: number;
}

interface Deadline {
  readonly at: number;
  readonly seq: number;
  readonly key: ObjectKey;
  readonly lane: Lane;
}

/** Processes one key; a throw is the caller's bug, logged by nobody here — wrap your reconciler. */
export type KeyHandler = (key: ObjectKey) => Promise<void>;

export class WorkQueue {
  readonly #clock: Clock;
  readonly #concurrency: number;
  readonly #qps: number;
  readonly #burst: number;
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #random: () => number;
  readonly #metrics: QueueMetrics | undefined;

  readonly #high = new Set<ObjectKey>();
  readonly #low = new Set<ObjectKey>();
  readonly #enqueuedAt = new Map<ObjectKey, number>();
  readonly #processing = new Set<ObjectKey>();
  readonly #dirty = new Map<ObjectKey, Lane>();
  readonly #failures = new Map<ObjectKey, number>();

  readonly #heap: Deadline[] = [];
  readonly #deadlines = new Map<ObjectKey, Deadline>();
  #seq = 0;
  #delayTimer: { at: number; handle: TimerHandle } | undefined;

  #tokens: number;
  #lastRefill: number;
  #pumpTimer: TimerHandle | undefined;

  #handler: KeyHandler | undefined;
  #shuttingDown = false;
  #drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#concurrency = Math.max(1, options.concurrency ?? 50);
    this.#qps = options.rateLimit?.qps ?? 1000;
    this.#burst = Math.max(1, options.rateLimit?.burst ?? 1000);
    this.#baseMs = options.backoff?.baseMs ?? 500;
    this.#capMs = options.backoff?.capMs ?? 300_000;
    this.#random = options.random ?? Math.random;
    this.#metrics = options.metrics;
    this.#tokens = this.#burst;
    this.#lastRefill = this.#clock.now();
  }

  /** Keys waiting in either lane. */
  get depth(): number {
    return this.#high.size + this.#low.size;
  }

  /** Keys currently handed to a worker. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Keys with a pending delayed add. */
  get delayed(): number {
    return this.#deadlines.size;
  }

  /** True once `shutDown` was called; adds are ignored from then on. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** The pending deadline of `key` on the queue's clock, if any. */
  deadlineOf(key: ObjectKey): number | undefined {
    return this.#deadlines.get(key)?.at;
  }

  /**
   * Adds `key` now. A key already waiting in `low` moves up to `high`; one in flight is marked dirty
   * and comes back after its current run.
   */
  add(key: ObjectKey, lane: Lane = "high"): void {
    if (this.#shuttingDown) return;
    if (this.#processing.has(key)) {
      if (this.#dirty.get(key) !== "high") this.#dirty.set(key, lane);
      return;
    }
    this.#enqueue(key, lane);
    this.#pump();
  }

  /**
   * Adds `key` after `delayMs` (jittered if asked), replacing any pending deadline of that key.
   * A delay <= 0 is an immediate add.
   */
  addAfter(key: ObjectKey, delayMs: number, options: AddAfterOptions = {}): void {
    if (this.#shuttingDown) return;
    const lane = options.lane ?? "low";
    const jitter = Math.min(1, Math.max(0, options.jitter ?? 0));
    const delay = delayMs * (1 - jitter * this.#random());
    if (delay <= 0) {
      this.#deadlines.delete(key);
      this.add(key, lane);
      return;
    }
    const d: Deadline = { at: this.#clock.now() + delay, seq: this.#seq++, key, lane };
    this.#deadlines.set(key, d);
    this.#heapPush(d);
    this.#compactHeap();
    this.#armDelayTimer();
  }

  /** Schedules `key` after its next backoff step (in the `low` lane) and returns that delay. */
  addRateLimited(key: ObjectKey): number {
    const n = this.#failures.get(key) ?? 0;
    const delay = exponentialBackoff(n, this.#baseMs, this.#capMs);
    this.#failures.set(key, n + 1);
    this.#metrics?.retry();
    this.addAfter(key, delay, { lane: "low" });
    return delay;
  }

  /** Clears the backoff history of `key` (call after a success or a terminal outcome). */
  forget(key: ObjectKey): void {
    this.#failures.delete(key);
  }

  /** Consecutive `addRateLimited` calls since the last `forget`. */
  failures(key: ObjectKey): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Drops any pending deadline of `key` (e.g. the object was deleted). */
  cancelDelayed(key: ObjectKey): void {
    this.#deadlines.delete(key);
  }

  /** Starts handing keys to `handler`, at most `concurrency` at a time. Call once. */
  start(handler: KeyHandler): void {
    if (this.#handler !== undefined) throw new Error("WorkQueue already started");
    this.#handler = handler;
    this.#pump();
  }

  /**
   * Stops handing out keys, cancels every timer and resolves once in-flight work has finished.
   * Waiting keys and pending deadlines are dropped.
   */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    this.#delayTimer?.handle.cancel();
    this.#delayTimer = undefined;
    this.#pumpTimer?.cancel();
    this.#pumpTimer = undefined;
    this.#high.clear();
    this.#low.clear();
    this.#enqueuedAt.clear();
    this.#deadlines.clear();
    this.#heap.length = 0;
    this.#dirty.clear();
    this.#metrics?.depth(0);
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
  }

  #enqueue(key: ObjectKey, lane: Lane): void {
    if (this.#high.has(key)) return;
    if (this.#low.has(key)) {
      if (lane === "low") return;
      this.#low.delete(key);
    } else {
      this.#enqueuedAt.set(key, this.#clock.now());
    }
    (lane === "high" ? this.#high : this.#low).add(key);
    this.#metrics?.depth(this.depth);
  }

  #takeToken(): number {
    const now = this.#clock.now();
    if (this.#qps <= 0) return 0;
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#lastRefill) * this.#qps) / 1000);
    this.#lastRefill = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#qps);
  }

  #pump(): void {
    const handler = this.#handler;
    if (handler === undefined || this.#shuttingDown || this.#pumpTimer !== undefined) return;
    while (this.#processing.size < this.#concurrency && this.depth > 0) {
      const wait = this.#takeToken();
      if (wait > 0) {
        this.#pumpTimer = this.#clock.setTimer(() => {
          this.#pumpTimer = undefined;
          this.#pump();
        }, wait);
        return;
      }
      const key = this.#shift();
      if (key === undefined) return;
      void this.#run(handler, key);
    }
  }

  #shift(): ObjectKey | undefined {
    const lane = this.#high.size > 0 ? this.#high : this.#low;
    const first = lane.values().next();
    if (first.done === true) return undefined;
    const key = first.value;
    lane.delete(key);
    const at = this.#enqueuedAt.get(key);
    this.#enqueuedAt.delete(key);
    if (at !== undefined) this.#metrics?.waitMs(this.#clock.now() - at);
    this.#metrics?.depth(this.depth);
    return key;
  }

  async #run(handler: KeyHandler, key: ObjectKey): Promise<void> {
    this.#processing.add(key);
    // The run decides when the key comes back; an older deadline would only add a spurious run.
    this.#deadlines.delete(key);
    const started = this.#clock.now();
    try {
      await handler(key);
    } catch {
      // The handler owns error handling; a throw must not wedge the key or the queue.
    } finally {
      this.#metrics?.workMs(this.#clock.now() - started);
      this.#processing.delete(key);
      const again = this.#dirty.get(key);
      this.#dirty.delete(key);
      if (this.#shuttingDown) {
        if (this.#processing.size === 0) this.#drained?.();
      } else {
        if (again !== undefined) this.#enqueue(key, again);
        this.#pump();
      }
    }
  }

  // ---- the delay heap: one timer for the earliest live deadline ----

  #armDelayTimer(): void {
    while (this.#heap.length > 0) {
      const top = this.#heap[0];
      if (top !== undefined && this.#deadlines.get(top.key) === top) break;
      this.#heapPop();
    }
    const top = this.#heap[0];
    if (top === undefined) {
      this.#delayTimer?.handle.cancel();
      this.#delayTimer = undefined;
      return;
    }
    if (this.#delayTimer !== undefined && this.#delayTimer.at <= top.at) return;
    this.#delayTimer?.handle.cancel();
    const handle = this.#clock.setTimer(() => {
      this.#delayTimer = undefined;
      this.#fireDue();
    }, top.at - this.#clock.now());
    this.#delayTimer = { at: top.at, handle };
  }

  #fireDue(): void {
    const now = this.#clock.now();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || top.at > now) break;
      this.#heapPop();
      if (this.#deadlines.get(top.key) !== top) continue;
      this.#deadlines.delete(top.key);
      this.add(top.key, top.lane);
    }
    this.#armDelayTimer();
  }

  #compactHeap(): void {
    if (this.#heap.length <= 2 * this.#deadlines.size + 1024) return;
    const live = [...this.#deadlines.values()];
    this.#heap.length = 0;
    for (const d of live) this.#heapPush(d);
  }

  #less(a: Deadline, b: Deadline): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #heapPush(d: Deadline): void {
    const h = this.#heap;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p];
      const cur = h[i];
      if (parent === undefined || cur === undefined || !this.#less(cur, parent)) break;
      h[p] = cur;
      h[i] = parent;
      i = p;
    }
  }

  #heapPop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      const hm = (): Deadline | undefined => h[m];
      const hl = h[l];
      const hr = h[r];
      const cur = hm();
      if (hl !== undefined && cur !== undefined && this.#less(hl, cur)) m = l;
      const best = hm();
      if (hr !== undefined && best !== undefined && this.#less(hr, best)) m = r;
      if (m === i) break;
      const a = h[i];
      const b = h[m];
      if (a === undefined || b === undefined) break;
      h[i] = b;
      h[m] = a;
      i = m;
    }
  }
}
