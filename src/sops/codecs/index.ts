/**
 * The five formats behind one interface: parse and emit plain trees, and place the `sops`
 * metadata where sops stores it for each format.
 */
import { sopsError, SopsCode } from "../errors.ts";
import { checkSize } from "../limits.ts";
import type { Limits } from "../limits.ts";
import { flatten, plainToValue, takeSopsKey, unflatten, valueToPlain } from "../metadata.ts";
import type { Plain } from "../metadata.ts";
import type { Branches, Mapping, Pair } from "../tree.ts";
import { emitDotenv, parseDotenv } from "./dotenv.ts";
import { emitIni, parseIni } from "./ini.ts";
import { emitJson, parseJson } from "./json.ts";
import { emitYaml, parseYaml } from "./yaml.ts";

export type Format = "yaml" | "json" | "dotenv" | "ini" | "binary";
export const FORMATS: readonly Format[] = ["yaml", "json", "dotenv", "ini", "binary"];

/** sops' choice of format by file extension; anything unknown is binary. */
export function formatForPath(path: string): Format {
  const lower = path.toLowerCase();
  if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return "yaml";
  if (lower.endsWith(".json")) return "json";
  if (lower.endsWith(".env")) return "dotenv";
  if (lower.endsWith(".ini")) return "ini";
  return "binary";
}

export function parseFormat(name: string): Format {
  if ((FORMATS as readonly string[]).includes(name)) return name as Format;
  throw sopsError(SopsCode.Config, "unknown format (yaml, json, dotenv, ini, binary)", { format: name });
}

function text(input: Uint8Array): string {
  return Buffer.from(input).toString("utf8");
}

/** Parses a plain (unencrypted) file. Throws SOPS_PARSE or SOPS_LIMIT. */
export function parsePlain(format: Format, input: Uint8Array, limits: Limits): Branches {
  checkSize(input, limits);
  switch (format) {
    case "yaml":
      return parseYaml(text(input), limits);
    case "json":
      return parseJson(text(input), limits);
    case "dotenv":
      return parseDotenv(text(input));
    case "ini":
      return parseIni(text(input));
    case "binary":
      return [{ kind: "map", items: [{ kind: "pair", key: "data", value: { kind: "scalar", type: "bytes", text: "", bytes: new Uint8Array(input) } }] }];
  }
}

/** Emits a plain file. For binary, the bytes of `data`. */
export function emitPlain(format: Format, branches: Branches): Uint8Array {
  switch (format) {
    case "yaml":
      return Buffer.from(emitYaml(branches));
    case "json":
      return Buffer.from(emitJson(branches));
    case "dotenv":
      return Buffer.from(emitDotenv(branches));
    case "ini":
      return Buffer.from(emitIni(branches));
    case "binary": {
      const data = branches[0]?.items.find((i): i is Pair => i.kind === "pair" && i.key === "data")?.value;
      if (data?.kind !== "scalar") throw sopsError(SopsCode.Parse, "no binary data in the tree");
      return data.type === "bytes" ? Buffer.from(data.bytes ?? []) : Buffer.from(data.text, "utf8");
    }
  }
}

/** True when a plain tree already carries sops metadata (refuse to encrypt twice). */
export function hasMetadata(format: Format, branches: Branches): boolean {
  const first = branches[0]?.items ?? [];
  return first.some((i) => i.kind === "pair" && (format === "dotenv" ? i.key.startsWith("sops_") : i.key === "sops"));
}

/**
 * Parses an encrypted file into its tree (metadata removed) and the metadata as plain data.
 * Throws SOPS_NOT_ENCRYPTED when there is no metadata.
 */
export function parseEncrypted(format: Format, input: Uint8Array, limits: Limits): { branches: Branches; metadata: Plain } {
  checkSize(input, limits);
  const missing = (): never => {
    throw sopsError(SopsCode.NotEncrypted, "the file has no sops metadata (not encrypted)");
  };
  if (format === "dotenv") {
    const branches = parseDotenv(text(input));
    const first = branches[0] ?? { kind: "map", items: [] };
    const entries: [string, string][] = [];
    first.items = first.items.filter((i) => {
      if (i.kind === "pair" && i.key.startsWith("sops_") && i.value.kind === "scalar") {
        entries.push([i.key.slice(5), i.value.text]);
        return false;
      }
      return true;
    });
    if (entries.length === 0) missing();
    return { branches, metadata: unflatten(entries) };
  }
  if (format === "ini") {
    const branches = parseIni(text(input));
    const section = branches[0] === undefined ? undefined : takeSopsKey(branches[0]);
    if (section?.kind !== "map") return missing();
    const entries: [string, string][] = [];
    for (const i of section.items) {
      if (i.kind === "pair" && i.value.kind === "scalar") entries.push([i.key, i.value.text.replaceAll("\\n", "\n")]);
    }
    return { branches, metadata: unflatten(entries) };
  }
  const branches = format === "yaml" ? parseYaml(text(input), limits) : parseJson(text(input), limits);
  let meta: Plain | undefined;
  branches.forEach((b, i) => {
    const m = takeSopsKey(b);
    if (i === 0 && m !== undefined) meta = valueToPlain(m);
  });
  if (meta === undefined) return missing();
  if (format === "binary") {
    const data = branches[0]?.items.find((i) => i.kind === "pair" && i.key === "data");
    if (data === undefined) throw sopsError(SopsCode.Parse, "encrypted binary file has no data");
  }
  return { branches, metadata: meta };
}

/** Emits an encrypted file with `metadata` (already in sops' key order) stored per format. */
export function emitEncrypted(format: Format, branches: Branches, metadata: Record<string, Plain>): Uint8Array {
  if (format === "dotenv") {
    const first: Mapping = { kind: "map", items: [...(branches[0]?.items ?? [])] };
    for (const [k, v] of flatten(metadata)) first.items.push({ kind: "pair", key: `sops_${k}`, value: { kind: "scalar", type: "str", text: v } });
    return Buffer.from(emitDotenv([first]));
  }
  if (format === "ini") {
    const first: Mapping = { kind: "map", items: [...(branches[0]?.items ?? [])] };
    const section: Mapping = {
      kind: "map",
      items: flatten(metadata).map(([k, v]) => ({ kind: "pair" as const, key: k, value: { kind: "scalar" as const, type: "str" as const, text: v.replaceAll("\n", "\\n") } })),
    };
    first.items.push({ kind: "pair", key: "sops", value: section });
    return Buffer.from(emitIni([first]));
  }
  const meta: Pair = { kind: "pair", key: "sops", value: plainToValue(metadata) };
  const withMeta = branches.map((b) => ({ kind: "map" as const, items: [...b.items, meta] }));
  return Buffer.from(format === "yaml" ? emitYaml(withMeta) : emitJson(withMeta));
}
