import { FuncError } from "../exec.ts";
import type { GoObject, Value } from "../value.ts";
import { int } from "../value.ts";

/**
 * Masterminds/semver v3 as sprig's `semver` and `semverCompare` use it: loose version parsing
 * (`v` prefix, missing minor/patch) and constraints with `=`, `!=`, `>`, `<`, `>=`, `<=`, `~`,
 * `^`, x-ranges (`1.2.x`, `*`), hyphen ranges, `,`/space (and) and `||` (or). Prerelease versions
 * only satisfy constraints that themselves name a prerelease, as in semver v3.
 */

export interface Version {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string;
  readonly meta: string;
  readonly original: string;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const U64 = (1n << 64n) - 1n;

export function parseVersion(s: string): Version {
  const m = VERSION.exec(s);
  if (m === null) throw new FuncError("Invalid Semantic Version");
  const [, a = "0", b = "0", c = "0", pre = "", meta = ""] = m;
  const nums = [a, b, c].map((x) => BigInt(x));
  if (nums.some((x) => x > U64)) throw new FuncError("Invalid Semantic Version");
  for (const part of pre === "" ? [] : pre.split(".")) {
    if (/^0\d+$/.test(part)) throw new FuncError("Version segment starts with 0");
  }
  return { major: nums[0] ?? 0n, minor: nums[1] ?? 0n, patch: nums[2] ?? 0n, pre, meta, original: s };
}

export function versionString(v: Version): string {
  return `${v.major.toString()}.${v.minor.toString()}.${v.patch.toString()}${v.pre === "" ? "" : "-" + v.pre}${v.meta === "" ? "" : "+" + v.meta}`;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return 1;
  if (b === "") return -1;
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const c = cmpBig(BigInt(x), BigInt(y));
      if (c !== 0) return c;
    } else if (xn) return -1;
    else if (yn) return 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  return cmpBig(a.major, b.major) || cmpBig(a.minor, b.minor) || cmpBig(a.patch, b.patch) || comparePre(a.pre, b.pre);
}

/** The Go value `semver` returns: a *semver.Version with its accessor methods. */
export function versionObject(v: Version): GoObject {
  const s = versionString(v);
  return {
    t: "obj",
    type: "*semver.Version",
    kind: "ptr",
    str: s,
    json: s,
    fields: new Map(),
    methods: new Map<string, () => Value>([
      ["Major", () => int(v.major, "uint64")],
      ["Minor", () => int(v.minor, "uint64")],
      ["Patch", () => int(v.patch, "uint64")],
      ["Prerelease", () => v.pre],
      ["Metadata", () => v.meta],
      ["Original", () => v.original],
      ["String", () => s],
    ]),
  };
}

interface Constraint {
  readonly op: string;
  readonly v: Version;
  readonly minorDirty: boolean;
  readonly patchDirty: boolean;
  readonly dirty: boolean;
}

const WILD = /^[xX*]$/;
const CONSTRAINT = /^\s*(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)?\s*(v?(?:[0-9xX*]+)(?:\.[0-9xX*]+)?(?:\.[0-9xX*]+)?(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)\s*$/;

function parseConstraint(text: string): Constraint {
  const m = CONSTRAINT.exec(text);
  if (m === null) throw new FuncError("improper constraint");
  const op = m[1] ?? "";
  const ver = m[2] ?? "";
  const core = /^v?([^.+-]+)(?:\.([^.+-]+))?(?:\.([^.+-]+))?(.*)$/.exec(ver);
  const [, a = "", b, c, tail = ""] = core ?? [];
  const majorDirty = WILD.test(a);
  // A wildcard major (`*`, `x`) is dirty without dirty minor/patch, as semver v3 parses it.
  const minorDirty = !majorDirty && (b === undefined || WILD.test(b));
  const patchDirty = !majorDirty && (minorDirty || c === undefined || WILD.test(c));
  const num = (x: string | undefined): string => (x === undefined || WILD.test(x) ? "0" : x);
  if (![a, b, c].every((x) => x === undefined || WILD.test(x) || /^\d+$/.test(x))) throw new FuncError("improper constraint");
  const v = parseVersion(`${num(a)}.${num(b)}.${num(c)}${tail}`);
  return { op, v, minorDirty, patchDirty, dirty: majorDirty || minorDirty || patchDirty };
}

function preOk(v: Version, c: Constraint): boolean {
  return v.pre === "" || c.v.pre !== "";
}

function tilde(v: Version, c: Constraint): boolean {
  if (compareVersions(v, c.v) < 0) return false;
  if (c.v.major === 0n && c.v.minor === 0n && c.v.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.v.major) return false;
  if (v.minor !== c.v.minor && !c.minorDirty) return false;
  return true;
}

function check(v: Version, c: Constraint): boolean {
  const cmp = compareVersions(v, c.v);
  switch (c.op) {
    case "":
    case "=":
      if (!preOk(v, c)) return false;
      if (c.dirty) return tilde(v, c);
      return cmp === 0;
    case "!=":
      if (!preOk(v, c)) return false;
      if (c.dirty) {
        if (v.major !== c.v.major) return true;
        if (c.minorDirty) return false;
        if (v.minor !== c.v.minor) return true;
        return false;
      }
      return cmp !== 0;
    case ">":
      if (!preOk(v, c)) return false;
      if (!c.dirty) return cmp > 0;
      if (v.major > c.v.major) return true;
      if (v.major < c.v.major || c.minorDirty) return false;
      if (v.minor > c.v.minor) return true;
      if (v.minor < c.v.minor || c.patchDirty) return false;
      return v.patch > c.v.patch;
    case "<":
      return preOk(v, c) && cmp < 0;
    case ">=":
    case "=>":
      return preOk(v, c) && cmp >= 0;
    case "<=":
    case "=<":
      if (!preOk(v, c)) return false;
      if (!c.dirty) return cmp <= 0;
      if (v.major > c.v.major) return false;
      if (v.major === c.v.major && v.minor > c.v.minor && !c.minorDirty) return false;
      return true;
    case "~":
    case "~>":
      return preOk(v, c) && tilde(v, c);
    case "^":
      if (!preOk(v, c) || cmp < 0) return false;
      if (c.v.major > 0n || c.minorDirty) return v.major === c.v.major;
      if (c.v.minor > 0n || c.patchDirty) return v.major === c.v.major && v.minor === c.v.minor;
      return v.major === c.v.major && v.minor === c.v.minor && v.patch === c.v.patch;
  }
  return false;
}

/** semverCompare: whether `version` satisfies `constraint`; malformed input throws. */
export function semverCompare(constraint: string, version: string): boolean {
  const groups = constraint.split("||").map((g) => {
    const hyphened = g.replace(/\s*([0-9A-Za-z.+*-]+)\s+-\s+([0-9A-Za-z.+*-]+)\s*/g, " >=$1, <=$2 ");
    const parts = hyphened.split(",").flatMap((p) => p.trim().replace(/([=<>~^!])\s+/g, "$1").split(/\s+/)).filter((p) => p !== "");
    if (parts.length === 0) throw new FuncError("improper constraint");
    return parts.map(parseConstraint);
  });
  const v = parseVersion(version);
  return groups.some((g) => g.every((c) => check(v, c)));
}
