/**
 * Go's `regexp` for every user-supplied pattern: RE2 syntax and semantics (leftmost-first,
 * `(?U)`, `\z`, `[[:alpha:]]`, `\pL`, flags anywhere) with matching linear in the input, through
 * re2js. kseal must never hand a user pattern to a backtracking engine: `(a+)+$` against a long
 * subject would tie up a worker for minutes (ReDoS), while ESO, sprig and SOPS — all Go — are safe.
 *
 * A compiled pattern reads its subject in one of two encodings, chosen at compile time:
 * - "text": a JS string (indices are UTF-16 code units), for Kubernetes names, keys and paths;
 * - "bytes": a Go byte string held one byte per char (latin1), as the template engine keeps its
 *   strings; the subject is matched as UTF-8 exactly as Go does (an invalid byte is one U+FFFD)
 *   and every index is a byte offset, so results slice the byte string directly.
 */
import { RE2JS, RE2JSException } from "re2js";
import { KsealError } from "../errors.ts";
import { setMostRecent } from "../support/recent.ts";

/** A pattern Go's regexp/syntax rejects; the message is Go's without the quoted pattern text. */
export class GoRegexpSyntaxError extends KsealError {
  constructor(message: string, cause?: unknown) {
    super("REGEX_SYNTAX", message, cause === undefined ? {} : { cause });
    this.name = "GoRegexpSyntaxError";
  }
}

export type GoRegexpEncoding = "text" | "bytes";

/** The slice of re2js's internal RE2 (a port of Go's *regexp.Regexp) that kseal uses. */
interface Re2Engine {
  match(s: string): boolean;
  matchUTF8(b: Uint8Array): boolean;
  findAllSubmatchIndex(s: string, n: number): number[][] | null;
  findAllUTF8SubmatchIndex(b: Uint8Array, n: number): number[][] | null;
}

/** A compiled Go regexp. Every method runs in time linear in the subject (times the pattern size). */
export class GoRegexp {
  /** The pattern as given. */
  readonly source: string;
  readonly encoding: GoRegexpEncoding;
  /** Capture group names by index (index 0, the whole match, and unnamed groups are ""). */
  readonly subexpNames: readonly string[];
  readonly #re: Re2Engine;

  /** @internal Use compileGoRegexp. */
  constructor(source: string, encoding: GoRegexpEncoding, compiled: RE2JS) {
    this.source = source;
    this.encoding = encoding;
    const engine: unknown = compiled.re2();
    this.#re = engine as Re2Engine;
    const names = Array.from({ length: compiled.groupCount() + 1 }, () => "");
    for (const [name, i] of Object.entries(compiled.namedGroups())) names[i] = name;
    this.subexpNames = names;
  }

  /** Go's MatchString: does the pattern match anywhere in `s`? */
  test(s: string): boolean {
    return this.encoding === "bytes" ? this.#re.matchUTF8(Buffer.from(s, "latin1")) : this.#re.match(s);
  }

  /**
   * Go's FindAllStringSubmatchIndex: up to `n` successive non-overlapping matches (all when n < 0),
   * each `[start, end, g1start, g1end, …]` with -1 for a group that did not take part. An empty
   * match right after the previous match is skipped, as Go does.
   */
  findAllIndex(s: string, n: number): number[][] {
    if (n === 0) return [];
    const found = this.encoding === "bytes" ? this.#re.findAllUTF8SubmatchIndex(Buffer.from(s, "latin1"), n) : this.#re.findAllSubmatchIndex(s, n);
    return found ?? [];
  }

  /** Go's FindString: the leftmost match, or "" when there is none. */
  find(s: string): string {
    const m = this.findAllIndex(s, 1)[0];
    return m === undefined ? "" : s.slice(m[0], m[1]);
  }

  /** Go's FindAllString: the text of up to `n` matches (all when n < 0). */
  findAll(s: string, n: number): string[] {
    return this.findAllIndex(s, n).map((m) => s.slice(m[0], m[1]));
  }

  /** Go's ReplaceAllString: every match replaced by `template` with `$1`, `${1}`, `$name`, `${name}`, `$$` expanded. */
  replaceAll(s: string, template: string): string {
    return this.#replace(s, (m) => this.expand(template, s, m));
  }

  /** Go's ReplaceAllLiteralString: every match replaced by `repl` as is. */
  replaceAllLiteral(s: string, repl: string): string {
    return this.#replace(s, () => repl);
  }

  /** Go's Regexp.Split: the text between matches, at most `n` pieces (all when n < 0, none when 0). */
  split(s: string, n: number): string[] {
    if (n === 0) return [];
    if (this.source !== "" && s === "") return [""];
    const out: string[] = [];
    let beg = 0;
    let end = 0;
    for (const m of this.findAllIndex(s, n)) {
      if (n > 0 && out.length === n - 1) break;
      end = at(m, 0);
      if (at(m, 1) !== 0) out.push(s.slice(beg, end));
      beg = at(m, 1);
    }
    if (end !== s.length) out.push(s.slice(beg));
    return out;
  }

  /**
   * Go's Regexp.Expand for one match `m` of `s`: `$$` is a dollar, `$name`/`${name}` the group of
   * that number or name ("" when it did not take part or does not exist), a malformed `$` is kept.
   */
  expand(template: string, s: string, m: readonly number[]): string {
    let out = "";
    let rest = template;
    for (;;) {
      const i = rest.indexOf("$");
      if (i < 0) break;
      out += rest.slice(0, i);
      rest = rest.slice(i + 1);
      if (rest.startsWith("$")) {
        out += "$";
        rest = rest.slice(1);
        continue;
      }
      const ref = /^\{([A-Za-z0-9_]+)\}|^[A-Za-z0-9_]+/.exec(rest);
      if (ref === null) {
        out += "$";
        continue;
      }
      rest = rest.slice(ref[0].length);
      out += this.#group(ref[1] ?? ref[0], s, m);
    }
    return out + rest;
  }

  #group(name: string, s: string, m: readonly number[]): string {
    let index: number;
    // Go reads an all-digit name as a group number unless it has a leading zero or is huge.
    if (/^(0|[1-9][0-9]{0,8})$/.test(name)) index = Number(name);
    else index = this.subexpNames.findIndex((n, i) => i > 0 && n === name && at(m, 2 * i) >= 0);
    if (index < 0 || 2 * index + 1 >= m.length || at(m, 2 * index) < 0) return "";
    return s.slice(at(m, 2 * index), at(m, 2 * index + 1));
  }

  #replace(s: string, repl: (m: readonly number[]) => string): string {
    let out = "";
    let last = 0;
    for (const m of this.findAllIndex(s, -1)) {
      out += s.slice(last, at(m, 0)) + repl(m);
      last = at(m, 1);
    }
    return out + s.slice(last);
  }
}

function at(m: readonly number[], i: number): number {
  return m[i] ?? -1;
}

const MAX_CACHE = 512;
const cache = new Map<string, GoRegexp>();

/**
 * Compiles `source` with Go's regexp/syntax rules (Perl flags, as regexp.Compile). Patterns are
 * cached (bounded), so callers may compile per use. Throws GoRegexpSyntaxError (code REGEX_SYNTAX)
 * with Go's message, e.g. "error parsing regexp: missing closing )", minus the quoted fragment.
 */
export function compileGoRegexp(source: string, encoding: GoRegexpEncoding = "text"): GoRegexp {
  const key = `${encoding}\u0000${source}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (e: unknown) {
    if (!(e instanceof RE2JSException)) throw e;
    throw new GoRegexpSyntaxError(goSyntaxMessage(e.message), e);
  }
  const re = new GoRegexp(source, encoding, compiled);
  setMostRecent(cache, key, re, MAX_CACHE);
  return re;
}

/**
 * compileGoRegexp for a field of a user's resource: a bad pattern throws KsealError `code` naming
 * the field (e.g. `find.name.regexp of store "vault"`) and Go's reason, never the pattern itself.
 */
export function compileUserRegexp(source: string, field: string, code: string, details: Record<string, string | number | boolean> = {}): GoRegexp {
  try {
    return compileGoRegexp(source);
  } catch (e: unknown) {
    if (!(e instanceof GoRegexpSyntaxError)) throw e;
    throw new KsealError(code, `${field} is not a valid regular expression (${e.message})`, { cause: e, details: { ...details, field } });
  }
}

/** Go's regexp.QuoteMeta: a pattern matching `s` literally. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

// re2js says "error parsing regexp: <reason>: `<fragment>`" as Go does; the fragment may be data.
function goSyntaxMessage(message: string): string {
  const reason = message.replace(/: `[\s\S]*$/, "");
  return reason.startsWith("error parsing regexp: ") ? reason : "error parsing regexp: invalid pattern";
}
