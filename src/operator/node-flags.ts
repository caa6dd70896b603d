/**
 * The Node.js/V8 flags kseal-operator is started with (the image's ENTRYPOINT, the test harness and
 * the benchmarks all start it this way; test/deploy/dockerfile.test.ts keeps the Dockerfile in step).
 *
 * Why: an operator's work comes in bursts (a cold sync, a refresh grid instant) between long idle
 * stretches, and V8's defaults size the heap for throughput: a burst grows the young generation to
 * its 16 MB semi-spaces and the old generation far beyond what stays live, and the process keeps that
 * memory. Measured on the bench's steady state of 2,000 ExternalSecrets (bench/externalsecrets.ts):
 * RSS 362 MB with the defaults, 265 MB with 1 MB semi-spaces, 168 MB adding --optimize-for-size
 * (smaller heap growth steps and code), for ~1.5x the steady-state CPU — a few CPU seconds a minute.
 * No old-space cap (--max-old-space-size): what stays live grows with the fleet, so a cap belongs
 * with the container's memory limit, set by whoever sizes both.
 */
export const OPERATOR_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--optimize-for-size"];
