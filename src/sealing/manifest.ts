/**
 * Reading and printing manifests the way kubeseal does: JSON pretty-printed with two spaces, or
 * YAML with keys sorted (Go's sigs.k8s.io/yaml), a leading `---`, no line folding, sequences not
 * indented under their key. Input may hold several YAML documents or JSON objects.
 */
import { KsealError } from "../errors.ts";
import { lazyRequire } from "../support/lazy-require.ts";

/**
 * The yaml library, loaded when a YAML document is read or written: loading it is a third of a
 * one-Secret `kseal` run's time (~50 ms of ~130), and a JSON input printed as JSON (kubeseal's
 * default output) needs none of it.
 */
const yaml = lazyRequire("yaml") as () => typeof import("yaml");

export type OutputFormat = "json" | "yaml";

export function parseOutputFormat(value: string): OutputFormat {
  const v = value.toLowerCase();
  if (v === "" || v === "json") return "json";
  if (v === "yaml") return "yaml";
  throw new KsealError("CLI_USAGE", `unsupported output format: ${value}`);
}

/** One parsed input document with its 0-based position among the non-empty documents. */
export interface InputDocument {
  readonly index: number;
  readonly object: unknown;
}

/**
 * Parses every document of a YAML or JSON stream, skipping empty ones. Throws
 * MANIFEST_INVALID naming the document index (never quoting content) on a syntax error.
 */
export function parseDocuments(text: string): InputDocument[] {
  const json = parseSingleJson(text);
  if (json !== undefined) return [{ index: 0, object: json }];
  const docs = yaml().parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(docs)) return [];
  const out: InputDocument[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new KsealError("MANIFEST_INVALID", `document ${out.length} is not valid YAML or JSON`, {
        details: { document: out.length },
      });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e: unknown) {
      // the yaml library throws a ReferenceError when alias expansion passes maxAliasCount
      throw new KsealError("MANIFEST_INVALID", `document ${out.length} expands too many YAML aliases`, {
        cause: e,
        details: { document: out.length },
      });
    }
    if (value === null || value === undefined) continue;
    out.push({ index: out.length, object: value });
  }
  return out;
}

/**
 * The value of `text` when it is exactly one JSON object — read as kubeseal's YAML-or-JSON decoder
 * does (JSON when the input starts with `{`), and as YAML would read it; undefined for anything
 * else (several documents, YAML, invalid input), which goes to the YAML parser and its errors.
 */
function parseSingleJson(text: string): object | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    return JSON.parse(text) as object;
  } catch {
    return undefined;
  }
}

/** Prints one object as kubeseal does (trailing newline included). */
export function printObject(obj: unknown, format: OutputFormat): string {
  if (format === "json") return `${JSON.stringify(obj, null, 2)}\n`;
  return `---\n${yaml().stringify(sortKeys(obj), { version: "1.1", lineWidth: 0, minContentWidth: 0, indentSeq: false, aliasDuplicateObjects: false })}`;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    const rec = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(rec).sort().map((k) => [k, sortKeys(rec[k])]));
  }
  return v;
}
