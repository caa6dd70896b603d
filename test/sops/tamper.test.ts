/**
 * Each way a SOPS file can be wrong fails with its own code, and no message carries plaintext.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decryptFile, encryptFile, generateAgeKey } from "../../src/sops/index.ts";
import type { Format } from "../../src/sops/index.ts";
import { isKsealError } from "../../src/errors.ts";

const SECRET = "hunter2-very-secret";
let id: { identity: string; recipient: string };
let other: { identity: string; recipient: string };
let enc: string;

beforeAll(async () => {
  id = await generateAgeKey();
  other = await generateAgeKey();
  enc = Buffer.from(
    await encryptFile(Buffer.from(`a: ${SECRET}\nb: second-value\nc_unencrypted: visible\n`), { inputFormat: "yaml", keyGroups: [[id.recipient]], now: new Date("2026-01-01T00:00:00Z") }),
  ).toString();
});

function lineOf(text: string, key: string): string {
  const line = text.split("\n").find((l) => l.startsWith(`${key}: `));
  if (line === undefined) throw new Error(`no line for ${key}`);
  return line.slice(key.length + 2);
}

async function codeOf(text: string, identities: readonly string[] = [id.identity], format: Format = "yaml"): Promise<string> {
  try {
    await decryptFile(Buffer.from(text), { inputFormat: format, identities });
  } catch (e: unknown) {
    if (!isKsealError(e)) throw e;
    expect(e.message).not.toContain(SECRET);
    expect(JSON.stringify(e.details)).not.toContain(SECRET);
    return e.code;
  }
  return "OK";
}

function flipData(value: string): string {
  return value.replace(/data:(.)/, (_m, c: string) => `data:${c === "A" ? "B" : "A"}`);
}

describe("tampering", () => {
  const cases: { why: string; mutate: () => string; identities?: () => string[]; code: string }[] = [
    { why: "the untouched file decrypts", mutate: () => enc, code: "OK" },
    { why: "a changed ciphertext byte fails GCM: tampered value", mutate: () => enc.replace(lineOf(enc, "a"), flipData(lineOf(enc, "a"))), code: "SOPS_TAMPERED" },
    { why: "a value moved under another key fails its path AAD: tampered value", mutate: () => enc.replace(`a: ${lineOf(enc, "a")}`, `a: ${lineOf(enc, "b")}`), code: "SOPS_TAMPERED" },
    { why: "a plaintext slipped into an encrypted position", mutate: () => enc.replace(lineOf(enc, "a"), "injected"), code: "SOPS_TAMPERED" },
    { why: "a changed MAC fails its own authentication", mutate: () => enc.replace(/mac: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `mac: ENC[AES256_GCM,data:${c === "A" ? "B" : "A"}`), code: "SOPS_MAC_INVALID" },
    { why: "a changed lastmodified (the MAC's AAD)", mutate: () => enc.replace('lastmodified: "2026-01-01T00:00:00Z"', 'lastmodified: "2026-01-01T00:00:01Z"'), code: "SOPS_MAC_INVALID" },
    { why: "reordered keys open one by one but break the MAC", mutate: () => {
      const a = `a: ${lineOf(enc, "a")}\n`;
      const b = `b: ${lineOf(enc, "b")}\n`;
      return enc.replace(a + b, b + a);
    }, code: "SOPS_MAC_MISMATCH" },
    { why: "a changed unencrypted value is covered by the MAC", mutate: () => enc.replace("c_unencrypted: visible", "c_unencrypted: changed"), code: "SOPS_MAC_MISMATCH" },
    { why: "a removed value breaks the MAC", mutate: () => enc.replace(`b: ${lineOf(enc, "b")}\n`, ""), code: "SOPS_MAC_MISMATCH" },
    { why: "the wrong age key", mutate: () => enc, identities: () => [other.identity], code: "SOPS_NO_KEY" },
    { why: "no age key at all", mutate: () => enc, identities: () => [], code: "SOPS_NO_KEY" },
    { why: "a removed MAC", mutate: () => enc.replace(/ {4}mac: .*\n/, ""), code: "SOPS_MAC_INVALID" },
    { why: "a plain file has no metadata", mutate: () => "a: b\n", code: "SOPS_NOT_ENCRYPTED" },
    { why: "broken YAML", mutate: () => "a: [b\n", code: "SOPS_PARSE" },
    { why: "a malformed age entry", mutate: () => enc.replace(/-----BEGIN AGE ENCRYPTED FILE-----\n(\s+)\S+/, "-----BEGIN AGE ENCRYPTED FILE-----\n$1!!!!"), code: "SOPS_DECRYPT_FAILED" },
  ];
  for (const c of cases) {
    it(`${c.why} → ${c.code}`, async () => {
      const mutated = c.mutate();
      if (c.code !== "OK" && c.identities === undefined) expect(mutated).not.toBe(enc);
      expect(await codeOf(mutated, c.identities?.() ?? [id.identity])).toBe(c.code);
    });
  }
});

describe("limits", () => {
  it("input larger than the cap → SOPS_LIMIT", async () => {
    await expect(decryptFile(Buffer.alloc(100, 97), { inputFormat: "yaml", identities: [], limits: { maxBytes: 10, maxDepth: 10 } })).rejects.toMatchObject({ code: "SOPS_LIMIT" });
  });
  it("nesting deeper than the cap → SOPS_LIMIT (YAML and JSON)", async () => {
    const deepYaml = `a: ${"[".repeat(50)}${"]".repeat(50)}\n`;
    const deepJson = `{"a":${"[".repeat(50)}${"]".repeat(50)}}`;
    const limits = { maxBytes: 1 << 20, maxDepth: 20 };
    await expect(encryptFile(Buffer.from(deepYaml), { inputFormat: "yaml", keyGroups: [[id.recipient]], now: new Date(), limits })).rejects.toMatchObject({ code: "SOPS_LIMIT" });
    await expect(encryptFile(Buffer.from(deepJson), { inputFormat: "json", keyGroups: [[id.recipient]], now: new Date(), limits })).rejects.toMatchObject({ code: "SOPS_LIMIT" });
  });
});

describe("encrypt refusals", () => {
  const cases = [
    { why: "an already-encrypted file", input: () => enc, opts: {}, code: "SOPS_ALREADY_ENCRYPTED" },
    { why: "no recipients", input: () => "a: b\n", opts: { keyGroups: [] }, code: "SOPS_NO_RECIPIENTS" },
    { why: "two selection rules at once", input: () => "a: b\n", opts: { rules: { encryptedRegex: "a", unencryptedSuffix: "_x" } }, code: "SOPS_CONFIG" },
    { why: "an invalid regex", input: () => "a: b\n", opts: { rules: { encryptedRegex: "(" } }, code: "SOPS_CONFIG" },
    { why: "a malformed recipient", input: () => "a: b\n", opts: { keyGroups: [["age1notvalid"]] }, code: "SOPS_CONFIG" },
  ];
  for (const c of cases) {
    it(`${c.why} → ${c.code}`, async () => {
      await expect(encryptFile(Buffer.from(c.input()), { inputFormat: "yaml", keyGroups: [[id.recipient]], now: new Date(), ...c.opts })).rejects.toMatchObject({ code: c.code });
    });
  }
});
