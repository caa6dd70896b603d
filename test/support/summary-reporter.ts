/**
 * Prints one plain closing line — `vitest: N passed, N failed, N skipped` — that CI reads to know
 * how many tests ran. A module that failed to load counts as a failure, and so does an error outside
 * any test, so a broken suite can never look like an empty green one.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly unknown[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of testModules) {
      const tests = [...m.children.allTests()];
      // A file whose hooks or imports failed fails as a whole, even when its tests show as skipped.
      if (m.state() === "failed" && !tests.some((t) => t.result().state === "failed")) failed++;
      for (const t of tests) {
        const state = t.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
    }
    failed += unhandledErrors.length;
    process.stdout.write(`\nvitest: ${String(passed)} passed, ${String(failed)} failed, ${String(skipped)} skipped\n`);
  }
}
