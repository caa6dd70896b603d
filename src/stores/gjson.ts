/**
 * The subset of gjson paths that ESO's `remoteRef.property` uses, over parsed JSON.
 *
 * Supported: `a.b.c` (object keys), `a.0` (array index), `a\.b` (escaped dot in a key),
 * `*` and `?` wildcards in a key (first match in key order), `#` (array length) and `#.k`
 * (the `k` of every element). Anything else simply does not match.
 */
import { isRecord } from "../support/record.ts";

/** Splits a gjson path on unescaped dots; `\x` stands for a literal `x`. */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === "\\" && i + 1 < path.length) {
      cur += path.charAt(i + 1);
      i++;
    } else if (c === ".") {
      out.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/**
 * gjson's glob (`*` any run, `?` one character) without a regex: the user's pattern must not reach a
 * backtracking engine (`*a*a*a*b` against a long key is exponential there). Greedy with one
 * remembered star: O(pattern × key) at worst.
 */
function wildcardMatch(pattern: string, key: string): boolean {
  const p = [...pattern];
  const k = [...key];
  let pi = 0;
  let ki = 0;
  let star = -1;
  let resume = 0;
  while (ki < k.length) {
    if (pi < p.length && p[pi] !== "*" && (p[pi] === "?" || p[pi] === k[ki])) {
      pi++;
      ki++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      resume = ki;
    } else if (star >= 0) {
      pi = star + 1;
      ki = ++resume;
    } else return false;
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}

function step(value: unknown, segments: readonly string[]): { found: boolean; value?: unknown } {
  if (segments.length === 0) return { found: true, value };
  const [seg = "", ...rest] = segments;
  if (Array.isArray(value)) {
    if (seg === "#") {
      if (rest.length === 0) return { found: true, value: value.length };
      const mapped: unknown[] = [];
      for (const el of value) {
        const r = step(el, rest);
        if (r.found) mapped.push(r.value);
      }
      return { found: true, value: mapped };
    }
    if (/^\d+$/.test(seg)) {
      const idx = Number(seg);
      return idx < value.length ? step(value[idx], rest) : { found: false };
    }
    return { found: false };
  }
  if (!isRecord(value)) return { found: false };
  if (Object.hasOwn(value, seg)) return step(value[seg], rest);
  if (seg.includes("*") || seg.includes("?")) {
    for (const k of Object.keys(value)) if (wildcardMatch(seg, k)) return step(value[k], rest);
  }
  return { found: false };
}

/** Resolves `path` in `root`; `found: false` when any segment does not match. */
export function getPath(root: unknown, path: string): { found: boolean; value?: unknown } {
  return step(root, splitPath(path));
}

/**
 * ESO's property lookup: an exact top-level key wins (so `a.b` may name a key containing a dot),
 * otherwise the gjson path.
 */
export function selectProperty(root: unknown, property: string): { found: boolean; value?: unknown } {
  if (isRecord(root) && Object.hasOwn(root, property)) return { found: true, value: root[property] };
  return getPath(root, property);
}
