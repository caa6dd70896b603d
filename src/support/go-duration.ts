/**
 * Go's `time.ParseDuration` — the one parser of durations in kseal: the ExternalSecret fields
 * (`metav1.Duration`), the operator's and the CLI's flags (client-go's), and the template
 * functions (sprig's `duration`, `time.Duration` arithmetic).
 *
 * Syntax: an optional sign, then `0` alone or one or more `<number><unit>` — numbers like `1.5`,
 * `1.`, `.5`; units ns, us (µs, μs), ms, s, m, h — e.g. `1h30m`, `1.5s`, `250ms`. Exact in
 * nanoseconds as Go's int64, with Go's overflow error; fractions truncated per term as Go does.
 */
const SEC = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n, us: 1000n, "µs": 1000n, "μs": 1000n, ms: 1_000_000n, s: SEC, m: 60n * SEC, h: 3600n * SEC,
};

/** The duration in nanoseconds; undefined where Go returns an error. */
export function parseGoDurationNs(text: string): bigint | undefined {
  let s = text;
  let neg = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    neg = s.startsWith("-");
    s = s.slice(1);
  }
  if (s === "0") return 0n;
  if (s === "") return undefined;
  let total = 0n;
  while (s !== "") {
    const m = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(s);
    if (m === null) return undefined;
    const [all, whole = "", fr, unitName = ""] = m;
    if (whole === "" && (fr === undefined || fr === "")) return undefined;
    const unit = UNIT_NS[unitName];
    if (unit === undefined) return undefined;
    let v = BigInt(whole === "" ? "0" : whole) * unit;
    if (fr !== undefined && fr !== "") v += (BigInt(fr) * unit) / 10n ** BigInt(fr.length);
    total += v;
    if (total > INT64_MAX + (neg ? 1n : 0n)) return undefined;
    s = s.slice(all.length);
  }
  return neg ? -total : total;
}

/**
 * A duration that cannot be negative (an interval, a timeout, a period), in milliseconds, rounded;
 * undefined when `text` is not a Go duration or carries a sign (each caller raises its own error).
 */
export function goDurationMs(text: string): number | undefined {
  if (text.startsWith("-") || text.startsWith("+")) return undefined;
  const ns = parseGoDurationNs(text);
  return ns === undefined ? undefined : Math.round(Number(ns) / 1e6);
}
