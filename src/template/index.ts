import { KsealError } from "../errors.ts";
import type { GoFunc, MissingKey } from "./exec.ts";
import { execute } from "./exec.ts";
import type { TemplateLookups } from "./funcs/eso.ts";
import { ESO_FUNCS, getSecretKeyFunc } from "./funcs/eso.ts";
import { SPRIG, UNSUPPORTED_SPRIG } from "./funcs/sprig.ts";
import { SPRIG_EXTRA } from "./funcs/sprig-extra.ts";
import { parse } from "./parser.ts";
import type { Value } from "./value.ts";
import { bytesOf, fromBuffer, map, toBuffer } from "./value.ts";

export type { MissingKey } from "./exec.ts";
export type { TemplateLookups } from "./funcs/eso.ts";

/** Which operator's function set and defaults to use. */
export type FuncSet = "eso" | "sealed-secrets";

export interface RenderOptions {
  /**
   * `eso` (default): sprig minus env/expandenv/getHostByName plus ESO's own functions, and
   * missingkey=error as ESO engine v2 parses. `sealed-secrets`: sprig minus the same three, and
   * Go's default missingkey (a missing key prints `<no value>`).
   */
  readonly funcs?: FuncSet;
  /** Overrides the function set's missingkey behaviour. */
  readonly missingKey?: MissingKey;
  /** Work budget: nodes walked, loop iterations and calls. Default 1,000,000. */
  readonly maxSteps?: number;
  /** Largest output (and largest intermediate string). Default 1 MiB, a Secret's size limit. */
  readonly maxOutputBytes?: number;
  /**
   * Backs ESO's `getSecretKey` (a Kubernetes Secret read in ESO). Without it the function still
   * parses but fails the render with TEMPLATE_EXEC. The port is synchronous: the caller reads
   * what it allows ahead of rendering (and should confine reads to the ExternalSecret's namespace).
   */
  readonly lookups?: TemplateLookups;
}

/** A secret's data as both operators give it to a template: key → value (bytes or UTF-8 text). */
export type TemplateData = Readonly<Record<string, string | Uint8Array>>;

const DEFAULT_MAX_STEPS = 1_000_000;
const DEFAULT_MAX_OUTPUT = 1024 * 1024;

const SPRIG_ALL: ReadonlyMap<string, GoFunc> = new Map([...SPRIG, ...SPRIG_EXTRA]);
const FUNC_TABLES: Record<FuncSet, ReadonlyMap<string, GoFunc>> = {
  "sealed-secrets": SPRIG_ALL,
  eso: new Map([...SPRIG_ALL, ...ESO_FUNCS]),
};

/** The names of the functions a function set offers (for docs and the CLI). */
export function functionNames(funcs: FuncSet): string[] {
  return [...FUNC_TABLES[funcs].keys()].sort();
}

/** sprig functions kseal refuses (a template naming one fails to parse, saying so). */
export function unsupportedFunctionNames(): string[] {
  return [...UNSUPPORTED_SPRIG].sort();
}

/**
 * Renders a Go text/template + sprig template exactly as External Secrets Operator (engine v2) or
 * Sealed Secrets would, returning the raw output bytes.
 *
 * The template can read no file, environment or network. Throws KsealError with code
 * TEMPLATE_PARSE (bad syntax, unknown or unsupported function), TEMPLATE_EXEC (a failure while
 * running, as Go would fail, including a regexp Go's RE2 rejects) or TEMPLATE_LIMIT (step, size or
 * depth budget exhausted). Messages carry line:column and the
 * function name, never a value from `data`.
 */
export function renderTemplateBytes(source: string, data: TemplateData, options: RenderOptions = {}): Uint8Array {
  try {
    return renderUnguarded(source, data, options);
  } catch (e: unknown) {
    // Deeply nested input can exhaust the JS stack before a budget trips; report it as a limit.
    if (e instanceof RangeError) throw new KsealError("TEMPLATE_LIMIT", "template: nesting too deep", { details: { limit: "depth" } });
    throw e;
  }
}

function renderUnguarded(source: string, data: TemplateData, options: RenderOptions): Uint8Array {
  const funcSet = options.funcs ?? "eso";
  const funcs = funcSet === "eso" && options.lookups !== undefined
    ? new Map([...FUNC_TABLES.eso, ["getSecretKey", getSecretKeyFunc(options.lookups)]])
    : FUNC_TABLES[funcSet];
  const parsed = parse(source, (name) => {
    if (UNSUPPORTED_SPRIG.has(name)) {
      throw new KsealError("TEMPLATE_PARSE", `template: function "${name}" is not supported by kseal`, { details: { function: name } });
    }
    return funcs.has(name);
  });
  const m = new Map<string, Value>();
  for (const [k, v] of Object.entries(data)) m.set(bytesOf(k), typeof v === "string" ? bytesOf(v) : fromBuffer(v));
  const out = execute(parsed, map(m, "string"), {
    funcs,
    missingKey: options.missingKey ?? (funcSet === "eso" ? "error" : "default"),
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
    // Go allows 100,000 nested template calls; a JS stack holds fewer, so kseal stops at 1,000.
    maxDepth: 1_000,
  });
  return new Uint8Array(toBuffer(out));
}

/** Like renderTemplateBytes, decoding the output as UTF-8 (invalid bytes become U+FFFD). */
export function renderTemplate(source: string, data: TemplateData, options: RenderOptions = {}): string {
  return Buffer.from(renderTemplateBytes(source, data, options)).toString("utf8");
}
