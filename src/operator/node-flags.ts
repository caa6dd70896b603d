/**
 * The Node.js/V8 flags kseal-operator is started with (the image's ENTRYPOINT, the test harness and
 * the benchmarks all start it this way; test/deploy/dockerfile.test.ts keeps the Dockerfile in step).
 *
 * None, on measurement. An operator's work comes in bursts (a cold sync, a refresh grid instant)
 * between idle stretches, and V8's throughput defaults keep the heap a burst grew. Smaller
 * generations were measured (bench/externalsecrets.ts, 2 cores, ADR 0006):
 * - `--max-semi-space-size=1 --optimize-for-size`: steady RSS at 2,000 ExternalSecrets 265 → 149 MB
 *   and at 10,000 517 → 200 MB (ESO: 520 MB), but the 10,000 cold sync took 87 s instead of 74 s
 *   (55.8 instead of 30.2 CPU s), steady CPU rose from 15 to 23 CPU s a minute, and a rotation
 *   reached its Secret in 36 s instead of 18 s at the median: garbage collection crowded out the
 *   refresh bursts.
 * - `--max-semi-space-size=4 --optimize-for-size`: the same (`--optimize-for-size` is the cost).
 * Timeliness is the job, so the defaults stay; where memory matters more, a container command of
 * `node --optimize-for-size src/operator/main.ts` makes the other trade.
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = [];
