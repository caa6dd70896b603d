import type { GoRegexp } from "../regex/go.ts";
import { compileGoRegexp, GoRegexpSyntaxError } from "../regex/go.ts";
import { FuncError } from "./exec.ts";
import { bytesOf, utf8 } from "./value.ts";

/** A template function's bad pattern: Go's regexp.Compile error, reported as the call's failure. */
export class RegexSyntaxError extends FuncError {}

/**
 * Compiles a Go regexp given as a template byte string (Go's RE2, linear time, via src/regex) that
 * matches byte strings as Go does: the subject is read as UTF-8 and results are byte slices.
 * Throws RegexSyntaxError with Go's reason on a pattern Go's regexp.Compile rejects.
 */
export function compileGoRegex(patternBytes: string): GoRegexp {
  const pattern = utf8(patternBytes);
  // A JS string cannot carry invalid UTF-8; Go refuses such a pattern, so refuse it before decoding hides it.
  if (bytesOf(pattern) !== patternBytes) throw new RegexSyntaxError("error parsing regexp: invalid UTF-8");
  try {
    return compileGoRegexp(pattern, "bytes");
  } catch (e: unknown) {
    if (e instanceof GoRegexpSyntaxError) throw new RegexSyntaxError(e.message);
    throw e;
  }
}
