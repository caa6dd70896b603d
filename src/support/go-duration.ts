/**
 * Go's `time.ParseDuration` syntax (what `metav1.Duration` and client-go's flags accept): one or
 * more `<number><unit>` (numbers like `1.5`, `1.`, `.5`; units ns, us/µs, ms, s, m, h), e.g.
 * `1h30m`, `1.5s`, `250ms`; `0` alone. In milliseconds, rounded; undefined when `text` is not such
 * a duration (each caller raises its own error). One parser for the ExternalSecret fields and the
 * CLI's `--request-timeout`.
 */
const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function goDurationMs(text: string): number | undefined {
  if (text === "0") return 0;
  const re = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? 0);
    pos = re.lastIndex;
  }
  return pos === 0 || pos !== text.length ? undefined : Math.round(total);
}
