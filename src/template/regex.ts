import { FuncError } from "./exec.ts";
import { bytesOf, utf8 } from "./value.ts";

/**
 * Go's RE2 syntax translated to a JS RegExp with the same meaning, or a clear refusal.
 *
 * RE2 and JS agree on most syntax and both use leftmost-first matching, so translation is
 * token by token: Perl classes are pinned to Go's ASCII meaning, POSIX `[[:alpha:]]` classes and
 * `\A`/`\z` are rewritten, leading `(?flags)` become JS flags. What JS cannot express the same way
 * (`(?U)`, flags in the middle of a pattern) is refused with REGEX_UNSUPPORTED rather than guessed.
 * Syntax Go itself rejects (backreferences, lookaround) is a Go error too.
 */

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z", alpha: "A-Za-z", ascii: "\\x00-\\x7F", blank: "\\t ", cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9", graph: "!-~", lower: "a-z", print: " -~", punct: "!-\\/:-@\\[-`{-~", space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z", word: "0-9A-Za-z_", xdigit: "0-9A-Fa-f",
};
const PERL: Record<string, string> = { d: "0-9", w: "0-9A-Za-z_", s: "\\t\\n\\f\\r " };
const GENERAL_CATEGORIES = new Set(["L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co"]);

export class RegexSyntaxError extends FuncError {}

const cache = new Map<string, RegExp>();

/** Compiles a Go regexp (given as a byte string) to a global, unicode JS RegExp. */
export function compileGoRegex(patternBytes: string): RegExp {
  const hit = cache.get(patternBytes);
  if (hit !== undefined) return new RegExp(hit.source, hit.flags);
  const src = utf8(patternBytes);
  const flags = new Set(["g", "u"]);
  let i = 0;
  // Leading flag groups (?i) (?s) (?m) (?is)...
  for (;;) {
    const m = /^\(\?([imsU]+)\)/.exec(src.slice(i));
    if (m === null) break;
    for (const f of m[1] ?? "") {
      if (f === "U") throw new FuncError("regexp: the ungreedy flag (?U) is not supported by kseal", "REGEX_UNSUPPORTED");
      flags.add(f);
    }
    i += m[0].length;
  }
  let out = "";
  let depth = 0;
  const bad = (what: string): never => {
    throw new RegexSyntaxError(`error parsing regexp: ${what}`);
  };
  const escapeClassChar = (c: string): string => (/[\\\][^-]/.test(c) ? "\\" + c : c);
  // Translates one escape at src[i] === "\\"; inClass selects the bracket form.
  const escape = (inClass: boolean): string => {
    const c = src[i + 1];
    if (c === undefined) return bad("trailing backslash at end of expression");
    i += 2;
    switch (c) {
      case "d":
      case "w":
      case "s":
        return inClass ? (PERL[c] ?? "") : `[${PERL[c] ?? ""}]`;
      case "D":
      case "W":
      case "S":
        if (inClass) throw new FuncError("regexp: negated Perl class inside brackets is not supported by kseal", "REGEX_UNSUPPORTED");
        return `[^${PERL[c.toLowerCase()] ?? ""}]`;
      case "A":
        if (inClass) bad("invalid escape sequence: `\\A`");
        return "(?<![\\s\\S])";
      case "z":
        if (inClass) bad("invalid escape sequence: `\\z`");
        return "(?![\\s\\S])";
      case "b":
      case "B":
        if (inClass) bad(`invalid escape sequence: \`\\${c}\``);
        return "\\" + c;
      case "p":
      case "P": {
        let name: string;
        if (src[i] === "{") {
          const end = src.indexOf("}", i);
          if (end < 0) bad("invalid character class range");
          name = src.slice(i + 1, end);
          i = end + 1;
        } else {
          name = src[i] ?? "";
          i += 1;
        }
        let neg = c === "P";
        if (name.startsWith("^")) {
          neg = !neg;
          name = name.slice(1);
        }
        const prop = GENERAL_CATEGORIES.has(name) ? name : name === "Any" ? "Any" : `Script=${name}`;
        return `\\${neg ? "P" : "p"}{${prop}}`;
      }
      case "Q": {
        const end = src.indexOf("\\E", i);
        const lit = end < 0 ? src.slice(i) : src.slice(i, end);
        i = end < 0 ? src.length : end + 2;
        return [...lit].map((ch) => (inClass ? escapeClassChar(ch) : ch.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&"))).join("");
      }
      case "x": {
        if (src[i] === "{") {
          const end = src.indexOf("}", i);
          const hex = src.slice(i + 1, end);
          if (end < 0 || !/^[0-9a-fA-F]+$/.test(hex)) bad("invalid escape sequence");
          i = end + 1;
          return `\\u{${hex}}`;
        }
        const hex = src.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) bad("invalid escape sequence");
        i += 2;
        return `\\x${hex}`;
      }
      case "a": return "\\x07";
      case "f": return "\\f";
      case "n": return "\\n";
      case "r": return "\\r";
      case "t": return "\\t";
      case "v": return "\\v";
      default:
        if (/[0-7]/.test(c)) {
          if (c === "0" || /[0-7]/.test(src[i] ?? "")) {
            // Octal: up to three digits.
            const m = /^[0-7]{1,3}/.exec(src.slice(i - 1));
            const o = m?.[0] ?? "0";
            i += o.length - 1;
            return `\\x${parseInt(o, 8).toString(16).padStart(2, "0")}`;
          }
          return bad(`invalid escape sequence: \`\\${c}\``);
        }
        if (/[!-/:-@[-`{-~]/.test(c)) return "\\" + (/[\\^$.*+?()[\]{}|/]/.test(c) || (inClass && c === "-") ? c : "x" + c.charCodeAt(0).toString(16).padStart(2, "0"));
        return bad(`invalid escape sequence: \`\\${c}\``);
    }
  };

  while (i < src.length) {
    const c = src.charAt(i);
    if (c === "\\") {
      out += escape(false);
      continue;
    }
    if (c === "[") {
      // Character class.
      let cls = "[";
      i++;
      if (src[i] === "^") {
        cls += "^";
        i++;
      }
      let first = true;
      for (;;) {
        const d = src[i];
        if (d === undefined) return bad("missing closing ]");
        if (d === "]" && !first) {
          i++;
          cls += "]";
          break;
        }
        first = false;
        if (d === "[" && src[i + 1] === ":") {
          const end = src.indexOf(":]", i + 2);
          let name = end < 0 ? "" : src.slice(i + 2, end);
          let neg = false;
          if (name.startsWith("^")) {
            neg = true;
            name = name.slice(1);
          }
          const set = POSIX[name];
          if (set !== undefined) {
            if (neg) throw new FuncError("regexp: negated POSIX class is not supported by kseal", "REGEX_UNSUPPORTED");
            cls += set;
            i = end + 2;
            continue;
          }
          if (end >= 0) bad("invalid character class range");
        }
        if (d === "\\") {
          cls += escape(true);
          continue;
        }
        cls += escapeClassChar(d === "-" ? "-" : d).replace(/^\\-$/, "-");
        i += d.length;
        if (d === "-") cls = cls.slice(0, -1) + (src[i] === "]" || cls.endsWith("[-") || cls.endsWith("[^-") ? "\\-" : "-");
      }
      out += cls;
      continue;
    }
    if (c === "(") {
      depth++;
      if (src[i + 1] === "?") {
        const rest = src.slice(i + 2);
        const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
        if (named !== null) {
          out += `(?<${named[1] ?? ""}>`;
          i += 2 + named[0].length;
          continue;
        }
        if (rest.startsWith(":")) {
          out += "(?:";
          i += 3;
          continue;
        }
        const fl = /^([imsU]*)(-[imsU]*)?(:|\))/.exec(rest);
        if (fl !== null && (fl[1] ?? "") + (fl[2] ?? "") !== "") {
          if (fl[0].includes("U")) throw new FuncError("regexp: the ungreedy flag (?U) is not supported by kseal", "REGEX_UNSUPPORTED");
          if (fl[3] === ")") throw new FuncError("regexp: flags in the middle of a pattern are not supported by kseal", "REGEX_UNSUPPORTED");
          out += `(?${fl[1] ?? ""}${fl[2] ?? ""}:`;
          i += 2 + fl[0].length;
          continue;
        }
        bad("invalid or unsupported Perl syntax: `(?`");
      }
      out += "(";
      i++;
      continue;
    }
    if (c === ")") {
      depth--;
      if (depth < 0) bad("unexpected ): `" + "`");
      out += ")";
      i++;
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m !== null) {
        if (Number(m[1]) > 1000 || (m[3] !== undefined && m[3] !== "" && Number(m[3]) > 1000)) bad("invalid repeat count");
        if (m[3] !== undefined && m[3] !== "" && Number(m[3]) < Number(m[1])) bad("invalid repeat count");
        if (/[*+?}]$/.test(out) && !/\\[*+?}]$/.test(out) && src[i - 1] !== ")") {
          // x{2}{3} and a*{2} are errors in Go.
          bad("invalid nested repetition operator");
        }
        out += m[0];
        i += m[0].length;
        continue;
      }
      out += "\\{";
      i++;
      continue;
    }
    if (c === "}") {
      out += "\\}";
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      if (out === "" || out.endsWith("(") || out.endsWith("|") || out.endsWith("(?:")) bad(`missing argument to repetition operator: \`${c}\``);
      const prev = out.slice(-1);
      const prevEscaped = out.length >= 2 && out.charAt(out.length - 2) === "\\";
      if (/[*+?]/.test(prev) && !prevEscaped && c !== "?") bad(`invalid nested repetition operator: \`${prev}${c}\``);
      if (c === "?" && /[*+?]/.test(prev) && !prevEscaped && out.length >= 2 && /[*+?]/.test(out.charAt(out.length - 2)) && out.charAt(out.length - 3) !== "\\") {
        bad("invalid nested repetition operator");
      }
      out += c;
      i++;
      continue;
    }
    const cp = src.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    out += ch === "/" ? "\\/" : ch;
    i += ch.length;
  }
  if (depth > 0) bad("missing closing )");
  let re: RegExp;
  try {
    re = new RegExp(out, [...flags].join(""));
  } catch {
    if (process.env.KSEAL_DEBUG_REGEX !== undefined) process.stderr.write(`regex translation failed: ${out}\n`);
    throw new RegexSyntaxError("error parsing regexp");
  }
  cache.set(patternBytes, re);
  return new RegExp(re.source, re.flags);
}

/** Go's Regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$. */
export function expandReplacement(template: string, m: RegExpExecArray): string {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== "$") {
      out += c ?? "";
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith("$")) {
      out += "$";
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    const name = braced !== null ? braced[1] : bare?.[0];
    if (name === undefined) {
      out += "$";
      continue;
    }
    i += braced !== null ? braced[0].length : name.length;
    if (/^\d+$/.test(name)) {
      const n = Number(name);
      if (n < m.length) out += m[n] ?? "";
    } else out += m.groups?.[name] ?? "";
  }
  return out;
}

/** Runs `fn` over the UTF-8-decoded subject and re-encodes its string results as bytes. */
export function onText<T>(subject: string, fn: (text: string) => T): T {
  return fn(utf8(subject));
}
export { bytesOf as textToBytes };
