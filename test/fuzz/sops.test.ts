/**
 * Fuzzes the SOPS parser and decryptor: valid encrypted YAML/JSON/dotenv/INI/binary files,
 * mutated byte-wise (flips, truncations, splices, junk) and structurally (a metadata or value
 * field replaced by another type). Every outcome is either a decrypt whose authenticated content
 * (see {@link authenticated}) is the original's — the mutation hit something sops does not
 * protect, e.g. a recipient string, a comment or a null — or a KsealError
 * with one of the stable SOPS codes — never another exception, never a hang.
 */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { KsealError } from "../../src/errors.ts";
import { decryptFile, DEFAULT_LIMITS, encryptFile, generateAgeKey, parsePlain, SopsCode, type Comment, type Format, type Value } from "../../src/sops/index.ts";
import { BYTE_MUTATIONS, fuzzSeed, iterations, rand, type Rand } from "./support.ts";

const SEED = fuzzSeed(0x50_95_c0de);
const N = iterations(120);
const CODES = new Set<string>(Object.values(SopsCode));
const PER_INPUT_MS = 2_000;

const PLAIN: Record<Format, string> = {
  yaml: "user: admin\npassword: hunter2\nnested:\n  list:\n    - a\n    - 2\n    - true\n  token: xyz\nport: 5432\n",
  json: '{"user": "admin", "password": "hunter2", "nested": {"list": ["a", 2, true, null], "token": "xyz"}, "n": 1.5}\n',
  dotenv: "USER=admin\nPASSWORD=hunter2\n# comment\nTOKEN=xyz\n",
  ini: "[db]\nuser = admin\npassword = hunter2\n[api]\ntoken = xyz\n",
  binary: "\u0000\u0001 arbitrary bytes hunter2 \n\u00ff",
};
const FORMATS = Object.keys(PLAIN) as Format[];

let identity = "";
const files = new Map<Format, { encrypted: Buffer; baseline: Buffer }>();

beforeAll(async () => {
  const key = await generateAgeKey();
  identity = key.identity;
  for (const f of FORMATS) {
    const encrypted = Buffer.from(await encryptFile(Buffer.from(PLAIN[f], "latin1"), { inputFormat: f, keyGroups: [[key.recipient]], now: new Date("2025-01-01T00:00:00Z") }));
    const baseline = Buffer.from(await decryptFile(encrypted, { inputFormat: f, identities: [identity] }));
    files.set(f, { encrypted, baseline });
  }
});

const TYPES: readonly unknown[] = [null, 0, -1, 1e300, true, "", "x", [], [1, "a"], {}, { a: 1 }, "ENC[AES256_GCM,data:,iv:,tag:,type:str]"];

/** Replaces one field of a JSON/YAML document (metadata preferred) by a value of another type. */
function structural(r: Rand, input: Buffer, format: "json" | "yaml"): Buffer {
  const doc = (format === "json" ? JSON.parse(input.toString("utf8")) : parseYaml(input.toString("utf8"))) as Record<string, unknown>;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => { walk(x, [...path, i]); });
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  if (r() < 0.7) walk(doc.sops, ["sops"]);
  else walk(doc, []);
  const path = r.pick(paths.filter((p) => p.length > 0));
  let cur = doc as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  const last = path[path.length - 1] ?? "";
  if (r() < 0.15) Reflect.deleteProperty(cur, last);
  else cur[last] = structuredClone(r.pick(TYPES));
  return Buffer.from(format === "json" ? JSON.stringify(doc, null, "\t") : stringifyYaml(doc));
}

/** dotenv/INI: a `sops_`/[sops] line's value replaced by junk of another shape. */
function metadataLine(r: Rand, input: Buffer): Buffer {
  const lines = input.toString("utf8").split("\n");
  const meta = lines.map((l, i) => [l, i] as const).filter(([l]) => /^(sops_|age__|lastmodified|mac|version|unencrypted_suffix)/.test(l));
  const [line, i] = r.pick(meta);
  const sep = line.includes(" = ") ? " = " : "=";
  lines[i] = `${line.slice(0, line.indexOf(sep.trim()))}${sep}${r.pick(["", "0", "true", "[1]", "{}", "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:int]", "-----BEGIN AGE ENCRYPTED FILE-----"])}`;
  return Buffer.from(lines.join("\n"));
}

/**
 * The authenticated content of a plaintext: every non-empty scalar with its key path, in order.
 * sops authenticates exactly these; nulls, empty strings, empty maps/lists/sections and comments
 * are outside its MAC, so the real `sops` also accepts a file where they were added or changed
 * (checked against sops 3.x: null -> "" / {} / [], an added null key, an added empty INI section
 * all decrypt). A successful decrypt must keep this list identical.
 */
function authenticated(format: Format, plain: Buffer): string[] {
  const out: string[] = [];
  const walk = (v: Value | Comment, path: string): void => {
    if (v.kind === "scalar") {
      if (v.text !== "" || (v.bytes?.length ?? 0) > 0) out.push(`${path}=${v.type}:${v.text}${v.bytes === undefined ? "" : Buffer.from(v.bytes).toString("hex")}`);
    } else if (v.kind === "map") {
      for (const item of v.items) if (item.kind === "pair") walk(item.value, `${path}/${item.key}`);
    } else if (v.kind === "seq") {
      for (const item of v.items) walk(item, `${path}[]`);
    }
  };
  parsePlain(format, plain, DEFAULT_LIMITS).forEach((b, i) => { walk(b, `#${i}`); });
  return out;
}

describe(`sops parser/decryptor fuzz (seed 0x${SEED.toString(16)}, ${N} mutations per format)`, () => {
  it.each(FORMATS)("%s: every mutation decrypts to the original or fails with a stable SOPS code", async (format) => {
    const r = rand(SEED ^ format.length ^ (format.charCodeAt(0) << 8));
    const { encrypted, baseline } = files.get(format) ?? { encrypted: Buffer.alloc(0), baseline: Buffer.alloc(0) };
    const outcomes = new Map<string, number>();
    const mutators = Object.entries(BYTE_MUTATIONS);
    for (let i = 0; i < N; i++) {
      let input: Buffer;
      let how: string;
      const roll = r();
      if (roll < 0.25 && (format === "json" || format === "yaml" || format === "binary")) {
        how = "structural";
        input = structural(r, encrypted, format === "binary" ? "json" : format);
      } else if (roll < 0.25) {
        how = "metadataLine";
        input = metadataLine(r, encrypted);
      } else {
        const [name, m] = r.pick(mutators);
        how = name;
        input = m(r, encrypted);
        if (r() < 0.2) input = m(r, input);
      }
      const t0 = performance.now();
      let result: unknown;
      try {
        result = Buffer.from(await decryptFile(input, { inputFormat: format, identities: [identity] }));
      } catch (e: unknown) {
        result = e;
      }
      let outcome: string;
      if (Buffer.isBuffer(result)) {
        if (JSON.stringify(authenticated(format, result)) !== JSON.stringify(authenticated(format, baseline))) {
          throw new Error(`iteration ${i} (${how}): decrypt succeeded with a different plaintext:\n${result.toString("latin1")}\n--- input:\n${input.toString("latin1")}`);
        }
        outcome = "ok";
      } else {
        const e = result;
        if (!(e instanceof KsealError)) throw new Error(`iteration ${i} (${how}): ${e instanceof Error ? e.name : typeof e} instead of a KsealError: ${String(e)}`, { cause: e });
        if (!CODES.has(e.code)) throw new Error(`iteration ${i} (${how}): unstable code ${e.code}`);
        if (e.message.includes("hunter2")) throw new Error(`iteration ${i} (${how}): the message quotes plaintext`);
        outcome = e.code;
      }
      const ms = performance.now() - t0;
      if (ms > PER_INPUT_MS) throw new Error(`iteration ${i} (${how}): took ${Math.round(ms)} ms`);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // The mutations reach past the parser: some fail authentication, not only parsing.
    const deep = [SopsCode.Tampered, SopsCode.MacInvalid, SopsCode.MacMismatch, SopsCode.NoKey, SopsCode.DecryptFailed].some((c) => (outcomes.get(c) ?? 0) > 0);
    expect(deep, JSON.stringify(Object.fromEntries(outcomes))).toBe(true);
  }, Math.max(30_000, N * 100));
});
