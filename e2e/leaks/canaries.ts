/**
 * Canary values and the scanner that looks for them. A canary is a random value planted in one
 * source (a store, a sealed blob, a SOPS file, a credential); the scanner looks for it in every
 * text the operator and the CLI produce, in each form a leak could take: the raw value, its
 * JSON-escaped form, base64/base64url at every byte alignment, hex, Node's Buffer dump, and the
 * random core and its halves (a fragment survives truncation or a partial quote). A finding names
 * the canary, the form and where it was found — never the value.
 */
import { randomBytes } from "node:crypto";

export interface Canary {
  /** A name for reports, e.g. `aws/find`. */
  readonly label: string;
  /** The planted value. */
  readonly value: string;
  /** Form name → needle. */
  readonly needles: ReadonlyMap<string, string>;
}

/** Base64 of `bytes` preceded by 0, 1 or 2 filler bytes, without the characters the filler or the end padding touch. */
function base64Cores(bytes: Buffer, encoding: "base64" | "base64url"): string[] {
  const cores: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift, 0x41), bytes]).toString(encoding);
    cores.push(enc.slice(shift === 0 ? 0 : 4, -4));
  }
  return cores;
}

/** Every form of `value` to look for; `core` is its random part (fragments are taken from it). */
export function needlesOf(value: string, core: string): Map<string, string> {
  const bytes = Buffer.from(value, "utf8");
  const m = new Map<string, string>([
    ["raw", value],
    ["json-escaped", JSON.stringify(value).slice(1, -1)],
    ["core", core],
    ["hex", bytes.toString("hex")],
    ["buffer-dump", [...Buffer.from(core.slice(0, 8), "utf8")].map((b) => b.toString(16).padStart(2, "0")).join(" ")],
  ]);
  if (core.length >= 16) {
    m.set("core-first-half", core.slice(0, Math.floor(core.length / 2)));
    m.set("core-second-half", core.slice(Math.floor(core.length / 2)));
  }
  for (const enc of ["base64", "base64url"] as const) {
    base64Cores(bytes, enc).forEach((c, shift) => m.set(`${enc}@${String(shift)}`, c));
  }
  return m;
}

/**
 * A fresh canary: `label` names it; the value mixes a JSON-escaped quote, characters no base64
 * alphabet has, and 20 random hex characters (80 bits: no accidental match in any log).
 */
export function newCanary(label: string): Canary {
  const core = randomBytes(10).toString("hex");
  const value = `cn"${core}!`;
  return { label, value, needles: needlesOf(value, core) };
}

/** A canary for a value the test does not choose (a store token): its whole text is the core. */
export function canaryOf(label: string, value: string): Canary {
  return { label, value, needles: needlesOf(value, value) };
}

export interface Finding {
  readonly canary: string;
  readonly form: string;
  readonly source: string;
  readonly line: number;
  /** The text of the line before the hit (at most 80 characters): where it is, not what it is. */
  readonly before: string;
}

/** Scans `text` (one source) for every needle of every canary. */
export function scan(source: string, text: string, canaries: readonly Canary[]): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const hits: { canary: string; form: string; at: number }[] = [];
    for (const c of canaries) {
      for (const [form, needle] of c.needles) {
        const at = line.indexOf(needle);
        if (at >= 0) hits.push({ canary: c.label, form, at });
      }
    }
    if (hits.length === 0) return;
    // The context stops before the first hit of any canary, so it never shows another one.
    const first = Math.min(...hits.map((h) => h.at));
    const before = line.slice(Math.max(0, first - 80), first);
    for (const h of hits) findings.push({ canary: h.canary, form: h.form, source, line: i + 1, before });
  });
  return findings;
}

/** One line per finding, safe to print: it stops before the hit. */
export function describeFinding(f: Finding): string {
  return `${f.source}:${String(f.line)} canary ${f.canary} (${f.form}) after: ${JSON.stringify(f.before)}`;
}
