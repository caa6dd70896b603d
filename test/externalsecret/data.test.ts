// From fetched values to Secret data: decoding, key conversion, rewrite, not-found handling.
import { describe, expect, it } from "vitest";
import { assembleData, convertKey, decodeValue, rewriteKeys, type FetchedData } from "../../src/operator/externalsecret/plan.ts";
import type { DecodingStrategy, Rewrite } from "../../src/operator/externalsecret/types.ts";
import { bytes, makeEs, miniEngine, text } from "./fixtures.ts";

const decodeCases: { reason: string; strategy: DecodingStrategy; input: string; out?: string; error?: string }[] = [
  { reason: "None keeps the bytes", strategy: "None", input: "aGVsbG8=", out: "aGVsbG8=" },
  { reason: "Base64 decodes standard base64", strategy: "Base64", input: "aGVsbG8=", out: "hello" },
  { reason: "Base64 rejects url alphabet", strategy: "Base64", input: "-_-_", error: "is not valid base64" },
  { reason: "Base64 rejects plain text", strategy: "Base64", input: "hello world", error: "is not valid base64" },
  { reason: "Base64URL decodes url alphabet", strategy: "Base64URL", input: "-_8", out: "\u00fb\u00ff" },
  { reason: "Base64URL rejects standard-only characters", strategy: "Base64URL", input: "a+b/", error: "is not valid base64url" },
  { reason: "Auto decodes base64 when it is base64", strategy: "Auto", input: "aGVsbG8=", out: "hello" },
  { reason: "Auto falls back to base64url", strategy: "Auto", input: "aGVsbG8", out: "hello" },
  { reason: "Auto keeps text that is not base64", strategy: "Auto", input: "not base64!", out: "not base64!" },
];

describe("decodeValue", () => {
  it.each(decodeCases)("$reason", ({ strategy, input, out, error }) => {
    if (error !== undefined) {
      expect(() => decodeValue(strategy, bytes(input), "the-key")).toThrow(error);
      expect(() => decodeValue(strategy, bytes(input), "the-key")).toThrow(/the-key/);
    } else {
      const got = decodeValue(strategy, bytes(input), "k");
      expect(strategy === "Base64URL" ? Buffer.from(got).toString("latin1") : text(got)).toBe(out);
    }
  });
  it("never puts the value in the error", () => {
    expect(() => decodeValue("Base64", bytes("s3cr3t value"), "k")).toThrow(expect.objectContaining({ message: expect.not.stringContaining("s3cr3t") as unknown }) as Error);
  });
});

describe("convertKey", () => {
  it.each([
    { reason: "valid keys stay", strategy: "Default" as const, key: "a-b_c.d", out: "a-b_c.d" },
    { reason: "Default replaces slashes with _", strategy: "Default" as const, key: "/foo/bar", out: "_foo_bar" },
    { reason: "Unicode encodes the code point", strategy: "Unicode" as const, key: "a/b", out: "a_U002f_b" },
    { reason: "Unicode handles non-ASCII", strategy: "Unicode" as const, key: "é", out: "_U00e9_" },
  ])("$reason", ({ strategy, key, out }) => {
    expect(convertKey(strategy, key)).toBe(out);
  });
});

describe("rewriteKeys", () => {
  const map = { "path/db-user": bytes("u"), "path/db-pass": bytes("p") };
  it.each<{ reason: string; rewrites: Rewrite[]; keys: string[] }>([
    { reason: "regexp removes a prefix", rewrites: [{ regexp: { source: "^path/", target: "" } }], keys: ["db-pass", "db-user"] },
    { reason: "regexp with Go ${1} groups", rewrites: [{ regexp: { source: "path/db-(.*)", target: "DB_${1}" } }], keys: ["DB_pass", "DB_user"] },
    {
      reason: "rewrites chain in order",
      rewrites: [{ regexp: { source: "^path/", target: "" } }, { regexp: { source: "-", target: "_" } }],
      keys: ["db_pass", "db_user"],
    },
    { reason: "transform renders a template with .value", rewrites: [{ regexp: { source: "^path/", target: "" } }, { transform: { template: "ENV_{{ .value | upper }}" } }], keys: ["ENV_DB-PASS", "ENV_DB-USER"] },
  ])("$reason", ({ rewrites, keys }) => {
    expect(Object.keys(rewriteKeys(rewrites, map, miniEngine)).sort()).toEqual(keys);
  });
  it("reports a bad regexp by its position", () => {
    expect(() => rewriteKeys([{ regexp: { source: "(", target: "" } }], map, miniEngine)).toThrow("rewrite[0].regexp.source");
  });
});

const fetched = (data: FetchedData["data"], dataFrom: FetchedData["dataFrom"] = []): FetchedData => ({ data, dataFrom });
const found = <T>(value: T) => ({ kind: "found" as const, value });
const gone = { kind: "notFound" as const };

describe("assembleData", () => {
  it("lets data[] override dataFrom and decodes per item", () => {
    const es = makeEs({
      data: [{ secretKey: "a", remoteRef: { key: "x", decodingStrategy: "Base64" } }],
      dataFrom: [{ extract: { key: "y" } }],
    });
    const r = assembleData(es, fetched([found(bytes("b3ZlcnJpZGU="))], [found({ a: bytes("from-map"), b: bytes("2") })]), miniEngine, "s");
    expect(r.kind).toBe("data");
    if (r.kind !== "data") return;
    expect(text(r.data.a)).toBe("override");
    expect(text(r.data.b)).toBe("2");
  });

  it("converts find keys when no rewrite is given", () => {
    const es = makeEs({ data: [], dataFrom: [{ find: { name: { regexp: ".*" }, conversionStrategy: "Default" } }] });
    const r = assembleData(es, fetched([], [found({ "/a/b": bytes("1") })]), miniEngine, "s");
    expect(r.kind === "data" ? Object.keys(r.data) : []).toEqual(["_a_b"]);
  });

  it("refuses keys a Secret cannot hold after a rewrite", () => {
    const es = makeEs({ data: [], dataFrom: [{ extract: { key: "y" }, rewrite: [{ regexp: { source: "x", target: "a b" } }] }] });
    expect(() => assembleData(es, fetched([], [found({ x: bytes("1") })]), miniEngine, "s")).toThrow('key "a b" is not a valid Secret key');
  });

  it("fails on a NUL byte under nullBytePolicy Fail", () => {
    const es = makeEs({ data: [{ secretKey: "k", remoteRef: { key: "x", nullBytePolicy: "Fail" } }] });
    expect(() => assembleData(es, fetched([found(new Uint8Array([97, 0]))]), miniEngine, "s")).toThrow("NUL byte");
  });

  it.each([
    { reason: "Retain: a missing remote secret is an error (the Secret stays)", deletionPolicy: "Retain", expected: "error" },
    { reason: "Delete: everything gone asks to delete", deletionPolicy: "Delete", expected: "allGone" },
    { reason: "Merge: everything gone asks to drop our keys", deletionPolicy: "Merge", expected: "allGone" },
  ])("$reason", ({ deletionPolicy, expected }) => {
    const es = makeEs({ target: { deletionPolicy } });
    const run = (): string => assembleData(es, fetched([gone]), miniEngine, "s").kind;
    if (expected === "error") expect(run).toThrow('secret "remote" not found in store "s"');
    else expect(run()).toBe(expected);
  });

  it("Delete: a partly missing remote drops only the missing keys", () => {
    const es = makeEs({ target: { deletionPolicy: "Delete" }, data: [{ secretKey: "a", remoteRef: { key: "x" } }, { secretKey: "b", remoteRef: { key: "y" } }] });
    const r = assembleData(es, fetched([gone, found(bytes("2"))]), miniEngine, "s");
    expect(r.kind === "data" ? Object.keys(r.data) : r.kind).toEqual(["b"]);
  });
});
