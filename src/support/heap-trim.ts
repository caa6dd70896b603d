/**
 * Gives memory back to the system after a burst of work.
 *
 * V8 grows the heap to carry a burst of work (the cold sync above all) and, in a Node process, keeps
 * it: at 5,000 ExternalSecrets the heap held 297 MB for 97 MB of live objects long after the cold
 * sync (bench/externalsecrets.ts; ADR 0007). V8's memory reducer, which would give it back, never
 * ran: nothing tells it the process has gone quiet.
 *
 * The trimmer looks every few seconds: when resident memory has grown well past what the last trim
 * left and the event loop had room since the last look, it runs one memory-reducing full collection
 * (V8 compacts, shrinks the old generation to the live set and releases the empty pages). A
 * saturated loop (a cold sync) is never paused, a process that did not grow is never collected,
 * and trims are at least 15 s apart.
 *
 * Once a process has been trimmed, it is also trimmed again a minute after its last trim even if
 * it did not grow: a trim during a burst (the first one at 10,000 ExternalSecrets comes partway
 * into the cold sync) leaves a baseline the quieter process never grows past, and the process
 * then sat ~50 MB above what a trim would leave (bench/RESULTS-10k.md, session 9). A revisit that
 * gives back little doubles the wait for the next one (up to 10 min).
 */
import type { EventLoopUtilization } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";

export interface TrimReport {
  readonly before: number;
  readonly after: number;
  readonly ms: number;
  /** `grown`: past the line; `revisit`: a minute (or more) after the last trim. */
  readonly reason: "grown" | "revisit";
}

export interface HeapTrimDeps {
  /** Runs one memory-reducing full collection, synchronously. */
  readonly collect: () => void;
  /**
   * The process's resident memory in bytes. Not V8's `total_heap_size`: after an ordinary
   * collection V8 reports a smaller heap while the freed pages stay resident, pooled for reuse.
   */
  readonly residentBytes: () => number;
  /** Share of wall time the event loop was busy since the previous call, in [0, 1]. */
  readonly busySinceLastCall: () => number;
  /**
   * True while work is queued or in hand (the controllers' work queues): a burst is not over, so
   * no trim. The loop's share alone let trims into a cold sync whose loop waited on the API server
   * more than half the time — each one a full memory-reducing collection of a large heap.
   */
  readonly workInHand?: () => boolean;
  /** Called after each trim (for a log line or a metric); sizes in bytes. */
  readonly onTrim?: (trim: TrimReport) => void;
  readonly now?: () => number;
}

export interface HeapTrimOptions {
  /**
   * A trim waits while the event loop was busy at least this share of the time since the last look.
   * Default 0.5: a cold sync (a saturated loop) is never interrupted, while a large fleet's steady
   * state, whose refreshes keep the loop a quarter busy without pause, is still trimmed.
   */
  readonly busyBelow?: number;
  /**
   * Resident memory must exceed what the last trim left by this many bytes and by `growthRatio` of
   * it. Defaults 8 MiB and 0.05: at 10,000 ExternalSecrets one refresh burst grows resident memory
   * by ~25 MB over what a trim leaves, so a large fleet is trimmed after its bursts and spends the
   * quiet part of each interval near its live set (ADR 0009); a small fleet never grows 8 MiB and is
   * never paused. (Earlier lines: at 0.5 a 10,000 fleet sat just under it at 379 MB; at 32 MiB and
   * 0.25 it sat ~30 MB over its trimmed size between trims; at 16 MiB and 0.1 a trim that left a
   * little more than usual set a line the next bursts stayed under.)
   */
  readonly minGrowthBytes?: number;
  readonly growthRatio?: number;
  /**
   * At least this long between two trims. Default 15 s: half the usual 30 s refresh interval, so a
   * trim can follow each refresh burst (at 30 s the next burst often came before the next trim).
   */
  readonly minIntervalMs?: number;
  /**
   * A process trimmed before is trimmed again this long after its last trim, grown or not.
   * Default 60 s; a revisit that gives back less than half of `minGrowthBytes` doubles it, up to
   * `maxRevisitMs` (default 10 min), and one that gives back more resets it.
   */
  readonly revisitMs?: number;
  readonly maxRevisitMs?: number;
}

/**
 * The decision and its memory, without timers: `check()` is called periodically (see
 * `startHeapTrimmer`) and trims at most once per call.
 */
export class HeapTrimmer {
  readonly #deps: HeapTrimDeps;
  readonly #busyBelow: number;
  readonly #minGrowthBytes: number;
  readonly #growthRatio: number;
  readonly #minIntervalMs: number;
  readonly #minRevisitMs: number;
  readonly #maxRevisitMs: number;
  #revisitMs: number;
  readonly #now: () => number;
  /** Resident bytes right after the last trim (or at start): the baseline growth is measured from. */
  #baseline: number;
  #lastTrim = Number.NEGATIVE_INFINITY;

  constructor(deps: HeapTrimDeps, options: HeapTrimOptions = {}) {
    this.#deps = deps;
    this.#busyBelow = options.busyBelow ?? 0.5;
    this.#minGrowthBytes = options.minGrowthBytes ?? 8 * 2 ** 20;
    this.#growthRatio = options.growthRatio ?? 0.05;
    this.#minIntervalMs = options.minIntervalMs ?? 15_000;
    this.#minRevisitMs = options.revisitMs ?? 60_000;
    this.#maxRevisitMs = Math.max(this.#minRevisitMs, options.maxRevisitMs ?? 600_000);
    this.#revisitMs = this.#minRevisitMs;
    this.#now = deps.now ?? (() => performance.now());
    this.#baseline = deps.residentBytes();
  }

  /** Trims if the loop had room since the last call and memory has grown enough; true if it did. */
  check(): boolean {
    // Always read, so each call measures the stretch since the previous one.
    const busy = this.#deps.busySinceLastCall();
    if (busy >= this.#busyBelow || this.#now() - this.#lastTrim < this.#minIntervalMs || this.#deps.workInHand?.() === true) return false;
    const before = this.#deps.residentBytes();
    const threshold = this.#baseline + Math.max(this.#minGrowthBytes, this.#baseline * this.#growthRatio);
    const grown = before > threshold;
    const revisit = !grown && this.#lastTrim !== Number.NEGATIVE_INFINITY && this.#now() - this.#lastTrim >= this.#revisitMs;
    if (!grown && !revisit) {
      // Memory given back later (V8 releases pages on a background thread) lowers the baseline.
      this.#baseline = Math.min(this.#baseline, before);
      return false;
    }
    const started = this.#now();
    this.#deps.collect();
    const after = this.#deps.residentBytes();
    if (revisit) {
      this.#revisitMs = before - after >= this.#minGrowthBytes / 2 ? this.#minRevisitMs : Math.min(this.#revisitMs * 2, this.#maxRevisitMs);
    }
    this.#baseline = after;
    this.#lastTrim = this.#now();
    this.#deps.onTrim?.({ before, after, ms: this.#lastTrim - started, reason: grown ? "grown" : "revisit" });
    return true;
  }
}

/** The V8 `gc` function, present when Node runs with `--expose-gc` (see src/operator/node-flags.ts). */
type ExposedGc = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export interface StartHeapTrimmerOptions extends HeapTrimOptions {
  /** How often to look. Default 5 s. */
  readonly intervalMs?: number;
  readonly onTrim?: HeapTrimDeps["onTrim"];
  readonly workInHand?: HeapTrimDeps["workInHand"];
  /**
   * From the first trim on, V8 grows the old generation by at most this percentage of what a
   * collection leaves (its `--heap-growing-percent`); 0 leaves V8's own growth policy in place.
   * Default 10 (25 until ADR 0009). V8's policy lets a heap that collects quickly grow to several times its live set
   * before the next full collection: right for a burst, where fewer collections mean a faster cold
   * sync, but between a large fleet's refresh bursts it held ~160 MB of heap for ~80 MB live (10,000
   * ExternalSecrets). Set at the first trim, not at start: a process whose memory never grows
   * enough to be trimmed keeps V8's policy, and a cold sync runs with it until the loop first has
   * room (at 10,000, partway through; ADR 0007's amendment has the measurements).
   */
  readonly steadyHeapGrowthPercent?: number;
}

/**
 * Starts trimming the process's own heap every `intervalMs` (default 5 s). Returns a stop function,
 * or `undefined` when Node runs without `--expose-gc` (nothing to collect with).
 */
export function startHeapTrimmer(options: StartHeapTrimmerOptions = {}): (() => void) | undefined {
  const gc = (globalThis as { gc?: ExposedGc }).gc;
  if (typeof gc !== "function") return undefined;
  const growthPercent = options.steadyHeapGrowthPercent ?? 10;
  let trimmed = false;
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const trimmer = new HeapTrimmer(
    {
      // "last-resort" is V8's memory-reducing collection: compaction, a heap limit near the live
      // set, empty pages released. A plain major collection frees objects but keeps the pages.
      collect: () => {
        gc({ type: "major", execution: "sync", flavor: "last-resort" });
      },
      residentBytes: () => process.memoryUsage.rss(),
      busySinceLastCall: () => {
        const current = performance.eventLoopUtilization();
        const share = performance.eventLoopUtilization(current, last).utilization;
        last = current;
        return share;
      },
      ...(options.workInHand === undefined ? {} : { workInHand: options.workInHand }),
      onTrim: (trim) => {
        if (!trimmed && growthPercent > 0) {
          // V8 reads this flag each time it sets the next collection's limit, so it takes
          // effect from the next collection on (measured: the same heap as when given at start).
          setFlagsFromString(`--heap-growing-percent=${String(Math.round(growthPercent))}`);
        }
        trimmed = true;
        options.onTrim?.(trim);
      },
    },
    options,
  );
  const timer = setInterval(() => {
    trimmer.check();
  }, options.intervalMs ?? 5_000);
  timer.unref();
  return () => { clearInterval(timer); };
}
