/**
 * The Node.js/V8 flags kseal-operator is started with (the image's ENTRYPOINT, the test harness and
 * the benchmarks all start it this way; test/deploy/dockerfile.test.ts keeps the Dockerfile in step).
 *
 * `--expose-gc`: an operator's work comes in bursts (a cold sync, a refresh grid
 * instant) between idle stretches, and V8's throughput defaults keep the heap a burst grew: at
 * 10,000 ExternalSecrets the process held 517 MB long after its cold sync for ~100 MB of live
 * objects. `--expose-gc` lets the heap trimmer (src/support/heap-trim.ts, ADR 0007) run one
 * memory-reducing collection once memory has grown and the loop has room; started without it,
 * kseal runs untrimmed and says so in its start-up line (`heapTrimming: false`). The trimmer's first
 * trim also tightens V8's heap growth for the steady state that follows (`--heap-growing-percent`
 * set at run time, not here: given at start it slowed the cold sync; ADR 0007's amendment).
 *
 * `--max-semi-space-size=4` (MB; V8 grows each of the young generation's two semi-spaces up to
 * 16 MB by default, or more on large heaps): between trims the young generation was most of what
 * V8 took back, and each refresh burst of a large fleet pushed resident memory up by 150+ MB. At
 * 10,000 ExternalSecrets (one kseal-only steady run, ADR 0007's amendment) it took the steady
 * window's median RSS from 216 to 203 MB, its peak from 377 to 222 MB and the process's high-water
 * mark from 346+ to 224 MB, with steady CPU 12.0 s a minute (12.9 without) and the steady fleet's
 * cold sync no slower (63.7 s against 71.4, both with the bench's build inside; ADR 0007). Unlike the trimmer's growth setting it cannot be set at run
 * time: V8 sizes the young generation when it sets up the heap.
 *
 * Smaller still was measured before (bench/externalsecrets.ts, 2 cores, ADR 0006):
 * `--max-semi-space-size=1 --optimize-for-size` took steady RSS at 10,000 from 517 to 200 MB, but
 * the cold sync took 87 s instead of 74 s, steady CPU rose from 15 to 23 CPU s a minute, and a
 * rotation reached its Secret in 36 s instead of 18 s at the median: collection during the bursts
 * crowded them out. The trimmer never collects while the loop is saturated.
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = ["--expose-gc", "--max-semi-space-size=4"];

/**
 * The memory allocator kseal-operator runs on: jemalloc, preloaded (`LD_PRELOAD`, the image's
 * ENV; the harness and the benchmarks preload the same library from the peer cache), with its
 * settings in `MALLOC_CONF`. ADR 0009 has the measurements.
 *
 * Why: at 10,000 ExternalSecrets glibc's malloc held 42 MB (main arena 24 MB, thread arenas
 * 18 MB) in the steady state, most of it free chunks between live ones, left by the cold sync's and
 * each refresh burst's buffers and V8's background compilation; glibc returns memory only from the
 * top of an arena, and `MALLOC_ARENA_MAX`, `MALLOC_TRIM_THRESHOLD_` and `MALLOC_MMAP_THRESHOLD_`
 * did not shrink it (ADR 0007). jemalloc purges unused pages on its own clock:
 * - `background_thread:true`: a jemalloc thread purges while the operator sits idle between
 *   bursts (without it, purging waits for the next allocations in the same arena);
 * - `dirty_decay_ms:5000`: pages freed in a burst are returned within ~5 s of it, well inside a
 *   30 s refresh interval, and not during the burst itself (each page returned too early is faulted
 *   in again);
 * - `muzzy_decay_ms:0`: returned with MADV_DONTNEED at once rather than MADV_FREE, whose pages stay
 *   counted in the process's resident memory until the kernel needs them.
 */
export const OPERATOR_ALLOCATOR = {
  /** The soname, found by the dynamic loader on the image's library path (Debian's libjemalloc2). */
  library: "libjemalloc.so.2",
  conf: "background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0",
} as const;

/** The environment that puts kseal-operator on {@link OPERATOR_ALLOCATOR}; `library` may be a path. */
export function operatorAllocatorEnv(library: string = OPERATOR_ALLOCATOR.library): Record<string, string> {
  return { LD_PRELOAD: library, MALLOC_CONF: OPERATOR_ALLOCATOR.conf };
}
