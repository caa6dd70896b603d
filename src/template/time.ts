import type { ParamType } from "./exec.ts";
import { formatTime, timeString } from "./fmt.ts";
import type { GoObject, GoTime, Value } from "./value.ts";
import { int, utf8 } from "./value.ts";
import { parseGoDurationNs } from "../support/go-duration.ts";

/** Go's time.Duration (int64 nanoseconds) and the time.Time methods templates call. */

const SEC = 1_000_000_000n;

function frac(v: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec);
  const whole = v / scale;
  const f = (v % scale).toString().padStart(prec, "0").replace(/0+$/, "");
  return f === "" ? whole.toString() : `${whole.toString()}.${f}`;
}

/** time.Duration.String: `1h2m3.5s`, `1.5ms`, `0s`. */
export function durationString(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < SEC) {
    if (u === 0n) return "0s";
    if (u < 1000n) out = `${u.toString()}ns`;
    else if (u < 1_000_000n) out = `${frac(u, 3)}\xc2\xb5s`;
    else out = `${frac(u, 6)}ms`;
  } else {
    out = `${frac(u % (60n * SEC), 9)}s`;
    u /= 60n * SEC;
    if (u > 0n) {
      out = `${(u % 60n).toString()}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u.toString()}h${out}`;
    }
  }
  return neg ? "-" + out : out;
}

/** time.ParseDuration on a template's (Go byte) string; undefined where Go returns an error. */
export function parseDuration(b: string): bigint | undefined {
  return parseGoDurationNs(utf8(b));
}

// ---- civil time ----

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  yday: number;
  wday: number;
}

export function civil(t: GoTime): Civil {
  const local = t.ns + BigInt(t.offset) * SEC;
  let secs = local / SEC;
  let nsec = local % SEC;
  if (nsec < 0n) {
    nsec += SEC;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nsec: Number(nsec),
    yday: Math.floor((d.getTime() - startOfYear) / 86_400_000) + 1,
    wday: d.getUTCDay(),
  };
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** A Go named integer type with a String method (time.Month, time.Weekday). */
function namedInt(type: string, n: number, name: string): GoObject {
  return { t: "obj", type, kind: "int", str: name, json: int(n), fields: new Map(), methods: new Map([["String", () => name]]) };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

interface TimeMethod {
  readonly params: readonly ParamType[];
  readonly fn: (t: GoTime, args: Value[]) => Value;
}

const m = (params: ParamType[], fn: TimeMethod["fn"]): TimeMethod => ({ params, fn });

/** The time.Time methods a template may call (`.Year`, `.Unix`, `.Format "2006"` …). */
export const TIME_METHODS: ReadonlyMap<string, TimeMethod> = new Map<string, TimeMethod>([
  ["Year", m([], (t) => int(civil(t).year))],
  ["Month", m([], (t) => { const c = civil(t); return namedInt("time.Month", c.month, MONTHS[c.month - 1] ?? ""); })],
  ["Day", m([], (t) => int(civil(t).day))],
  ["Hour", m([], (t) => int(civil(t).hour))],
  ["Minute", m([], (t) => int(civil(t).minute))],
  ["Second", m([], (t) => int(civil(t).second))],
  ["Nanosecond", m([], (t) => int(civil(t).nsec))],
  ["YearDay", m([], (t) => int(civil(t).yday))],
  ["Weekday", m([], (t) => { const c = civil(t); return namedInt("time.Weekday", c.wday, DAYS[c.wday] ?? ""); })],
  ["Unix", m([], (t) => int(floorDiv(t.ns, SEC), "int64"))],
  ["UnixMilli", m([], (t) => int(floorDiv(t.ns, 1_000_000n), "int64"))],
  ["UnixMicro", m([], (t) => int(floorDiv(t.ns, 1000n), "int64"))],
  ["UnixNano", m([], (t) => int(t.ns, "int64"))],
  ["Format", m(["string"], (t, [layout]) => formatTime(t, layout as string))],
  ["String", m([], (t) => timeString(t))],
  ["UTC", m([], (t) => ({ ...t, offset: 0, zone: "UTC" }))],
  ["Local", m([], (t) => ({ ...t, offset: 0, zone: "UTC" }))],
  ["IsZero", m([], (t) => t.ns === -62135596800n * SEC)],
  ["AddDate", m(["int", "int", "int"], (t, [y, mo, d]) => {
    const c = civil(t);
    const n = (v: Value): number => (typeof v === "object" && v !== null && v.t === "int" ? Number(v.v) : 0);
    const ms = Date.UTC(c.year + n(y), c.month - 1 + n(mo), c.day + n(d), c.hour, c.minute, c.second);
    return { ...t, ns: (BigInt(ms / 1000) - BigInt(t.offset)) * SEC + BigInt(c.nsec) };
  })],
]);

/** Adds a duration to a time (time.Time.Add). */
export function addDuration(t: GoTime, d: bigint): GoTime {
  return { ...t, ns: t.ns + d };
}
