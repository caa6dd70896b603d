/**
 * A CommonJS package loaded on first use instead of at import: for dependencies that are large and
 * that most operators never call (node-forge, cron-parser with luxon). Loading is what costs —
 * their code and source stay in the heap for the process's life (test/operator/lazy-modules.test.ts).
 */
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

/** A function returning `specifier`'s exports (typed by the caller), required the first time it is called. */
export function lazyRequire(specifier: string): () => unknown {
  let loaded: unknown;
  return () => (loaded ??= load(specifier) as unknown);
}
