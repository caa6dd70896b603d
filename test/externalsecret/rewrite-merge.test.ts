// ESO's `dataFrom[].rewrite[].merge`, case by case. The expected outputs were produced by ESO's
// RewriteMerge algorithm (external-secrets runtime/esutils, v1+) run under Go 1.26's encoding/json
// and strconv in a throwaway oracle; ESO lists conflicts in map order, so only "fails" is compared
// for errors here and kseal's own messages are checked separately.
import { describe, expect, it } from "vitest";
import { KsealError } from "../../src/errors.ts";
import { parseExternalSecret } from "../../src/operator/externalsecret/parse.ts";
import { rewriteKeys, type TemplateEngine } from "../../src/operator/externalsecret/plan.ts";
import type { Rewrite } from "../../src/operator/externalsecret/types.ts";

const engine: TemplateEngine = { render: () => { throw new Error("no template in a merge"); } };
const enc = new TextEncoder();
const dec = new TextDecoder();

function rewrites(ops: readonly unknown[]): readonly Rewrite[] {
  const es = parseExternalSecret({
    apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "a", namespace: "n" },
    spec: { dataFrom: [{ extract: { key: "k" }, rewrite: ops }] },
  });
  return es.spec.dataFrom[0]?.rewrite ?? [];
}

function run(ops: readonly unknown[], input: Record<string, string>): Record<string, string> {
  const bytes = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, enc.encode(v)]));
  return Object.fromEntries(Object.entries(rewriteKeys(rewrites(ops), bytes, engine)).map(([k, v]) => [k, dec.decode(v)]));
}

const cases: { reason: string; op: Record<string, unknown>; input: Record<string, string>; want: { out?: Record<string, string>; error?: true } }[] = [
  { reason: "Extract (default): strings raw, numbers and booleans as text, null empty, objects/arrays as JSON with HTML escaping", op: {"strategy": "Extract"}, input: {"db": "{\"user\":\"alice\",\"port\":5432,\"ratio\":0.25,\"on\":true,\"none\":null}", "app": "{\"nested\":{\"b\":\"<&>\",\"a\":[1,\"x\"]},\"list\":[1.5,null]}"}, want: {"out": {"list": "[1.5,null]", "nested": "{\"a\":[1,\"x\"],\"b\":\"\\u003c\\u0026\\u003e\"}", "none": "", "on": "true", "port": "5432", "ratio": "0.25", "user": "alice"}} },
  { reason: "conflictPolicy Error (default): a key in two values fails", op: {}, input: {"a": "{\"x\":\"1\"}", "b": "{\"x\":\"2\",\"y\":\"3\"}"}, want: {"error": true} },
  { reason: "conflictPolicy Ignore: the later value (byte-sorted keys) wins", op: {"conflictPolicy": "Ignore"}, input: {"a": "{\"x\":\"1\"}", "b": "{\"x\":\"2\",\"y\":\"3\"}"}, want: {"out": {"x": "2", "y": "3"}} },
  { reason: "priority moves its keys last, so they win", op: {"conflictPolicy": "Ignore", "priority": ["a"]}, input: {"a": "{\"x\":\"1\"}", "b": "{\"x\":\"2\",\"y\":\"3\"}", "c": "{\"x\":\"c\"}"}, want: {"out": {"x": "1", "y": "3"}} },
  { reason: "priority does not silence conflicts under Error", op: {"priority": ["a"]}, input: {"a": "{\"x\":\"1\"}", "b": "{\"x\":\"2\"}"}, want: {"error": true} },
  { reason: "a priority key absent from the input fails under Strict (default)", op: {"priority": ["missing"]}, input: {"a": "{\"x\":\"1\"}"}, want: {"error": true} },
  { reason: "IgnoreNotFound skips an absent priority key", op: {"priority": ["missing"], "priorityPolicy": "IgnoreNotFound"}, input: {"a": "{\"x\":\"1\"}"}, want: {"out": {"x": "1"}} },
  { reason: "JSON: the input stays and `into` gets the merged object, keys sorted, no HTML escaping, Go's escapes", op: {"strategy": "JSON", "into": "merged"}, input: {"b": "{\"z\":\"<&>\",\"n\":1e21,\"s\":1.5e-7,\"neg\":-0,\"ctl\":\"\\u0001\\b\\f\\n\\u2028\"}", "a": "{\"B\":1,\"a\":{\"y\":2,\"x\":[true,false]}}"}, want: {"out": {"a": "{\"B\":1,\"a\":{\"y\":2,\"x\":[true,false]}}", "b": "{\"z\":\"<&>\",\"n\":1e21,\"s\":1.5e-7,\"neg\":-0,\"ctl\":\"\\u0001\\b\\f\\n\\u2028\"}", "merged": "{\"B\":1,\"a\":{\"x\":[true,false],\"y\":2},\"ctl\":\"\\u0001\\b\\f\\n\\u2028\",\"n\":1e+21,\"neg\":-0,\"s\":1.5e-7,\"z\":\"<&>\"}"}} },
  { reason: "JSON without into fails", op: {"strategy": "JSON"}, input: {"a": "{\"x\":\"1\"}"}, want: {"error": true} },
  { reason: "a JSON array is not an object", op: {}, input: {"a": "[1,2]"}, want: {"error": true} },
  { reason: "a value that is not JSON fails", op: {}, input: {"a": "not json"}, want: {"error": true} },
  { reason: "a JSON null contributes nothing", op: {}, input: {"a": "null", "b": "{\"x\":\"1\"}"}, want: {"out": {"x": "1"}} },
  { reason: "Extract numbers: never an exponent, -0 kept, float64 precision", op: {}, input: {"a": "{\"big\":1e21,\"small\":1.5e-7,\"neg\":-0,\"huge\":123456789012345678901,\"int\":42,\"neg2\":-3.5}"}, want: {"out": {"big": "1000000000000000000000", "huge": "123456789012345680000", "int": "42", "neg": "-0", "neg2": "-3.5", "small": "0.00000015"}} },
  { reason: "input keys sort by UTF-8 bytes, not UTF-16 units", op: {"conflictPolicy": "Ignore"}, input: {"\ud83d\ude00": "{\"x\":\"emoji\"}", "\uffff": "{\"x\":\"ffff\"}"}, want: {"out": {"x": "emoji"}} },
  { reason: "JSON output keys sort by UTF-8 bytes", op: {"strategy": "JSON", "into": "j"}, input: {"a": "{\"\ud83d\ude00\":1,\"\uffff\":2,\"Z\":3,\"a\":4}"}, want: {"out": {"a": "{\"\ud83d\ude00\":1,\"\uffff\":2,\"Z\":3,\"a\":4}", "j": "{\"Z\":3,\"a\":4,\"\uffff\":2,\"\ud83d\ude00\":1}"}} },
  { reason: "a key repeated inside one value is not a conflict (last wins)", op: {}, input: {"a": "{\"x\":\"1\",\"x\":\"2\"}"}, want: {"out": {"x": "2"}} },
  { reason: "a lone surrogate escape becomes U+FFFD", op: {}, input: {"a": "{\"s\":\"\\ud800\"}"}, want: {"out": {"s": "\ufffd"}} },
  { reason: "a number beyond float64 fails", op: {}, input: {"a": "{\"n\":1e400}"}, want: {"error": true} },
  { reason: "an empty value is not JSON", op: {}, input: {"a": ""}, want: {"error": true} },
  { reason: "JSON into an existing input key replaces it", op: {"strategy": "JSON", "into": "a"}, input: {"a": "{\"x\":\"1\"}", "b": "{\"y\":\"2\"}"}, want: {"out": {"a": "{\"x\":\"1\",\"y\":\"2\"}", "b": "{\"y\":\"2\"}"}} },
];

describe("rewrite.merge (ESO semantics)", () => {
  it.each(cases)("$reason", ({ op, input, want }) => {
    if (want.error === true) {
      expect(() => run([{ merge: op }], input)).toThrow(KsealError);
    } else {
      expect(run([{ merge: op }], input)).toEqual(want.out);
    }
  });

  it.each([
    { reason: "conflicts name every conflicting key, in merge order", op: {}, input: { a: '{"x":"1","y":"1"}', b: '{"y":"2","x":"2"}' }, message: "rewrite[0].merge: conflicting keys: y, x" },
    { reason: "a missing priority key is named", op: { priority: ["gone"] }, input: { a: "{}" }, message: 'rewrite[0].merge: priority key "gone" not found in the input' },
    { reason: "a value that is not JSON names its key, never its value", op: {}, input: { pw: "hunter2" }, message: 'rewrite[0].merge: the value of key "pw" is not JSON' },
    { reason: "a non-object names its key", op: {}, input: { list: '["hunter2"]' }, message: 'rewrite[0].merge: the value of key "list" is not a JSON object' },
    { reason: "JSON without into says what is missing", op: { strategy: "JSON" }, input: { a: "{}" }, message: "rewrite[0].merge: strategy JSON needs into (the key that receives the merged object)" },
  ])("error: $reason", ({ op, input, message }) => {
    let err: unknown;
    try {
      run([{ merge: op }], input);
    } catch (e: unknown) {
      err = e;
    }
    expect(err).toBeInstanceOf(KsealError);
    expect((err as KsealError).code).toBe("ES_REWRITE_FAILED");
    expect((err as KsealError).message).toBe(message);
    expect((err as KsealError).message).not.toContain("hunter2");
  });

  it("layers with the other rewrites: regexp renames, merge combines, regexp renames the merged keys", () => {
    const out = run(
      [{ regexp: { source: "^team-", target: "" } }, { merge: { priority: ["prod"], conflictPolicy: "Ignore" } }, { regexp: { source: "^", target: "DB_" } }],
      { "team-dev": '{"host":"dev","port":1}', "team-prod": '{"host":"prod"}' },
    );
    expect(out).toEqual({ DB_host: "prod", DB_port: "1" });
  });

  it("a merge key named __proto__ is an ordinary key", () => {
    expect(run([{ merge: { strategy: "JSON", into: "__proto__" } }], { a: '{"__proto__":"x"}' })).toEqual({ a: '{"__proto__":"x"}', ["__proto__"]: '{"__proto__":"x"}' });
    expect(Object.keys(run([{ merge: {} }], { a: '{"__proto__":"x"}' }))).toEqual(["__proto__"]);
  });
});

describe("rewrite.merge parsing", () => {
  it("applies ESO's defaults", () => {
    expect(rewrites([{ merge: {} }])).toEqual([{ merge: { into: "", priority: [], priorityPolicy: "Strict", conflictPolicy: "Error", strategy: "Extract" } }]);
  });
  it.each([
    { reason: "unknown strategy", merge: { strategy: "YAML" }, message: "spec.dataFrom[0].rewrite[0].merge.strategy: must be one of Extract, JSON" },
    { reason: "unknown conflictPolicy", merge: { conflictPolicy: "Last" }, message: "spec.dataFrom[0].rewrite[0].merge.conflictPolicy: must be one of Ignore, Error" },
    { reason: "unknown priorityPolicy", merge: { priorityPolicy: "Lax" }, message: "spec.dataFrom[0].rewrite[0].merge.priorityPolicy: must be one of IgnoreNotFound, Strict" },
    { reason: "priority not a list of strings", merge: { priority: [1] }, message: "spec.dataFrom[0].rewrite[0].merge.priority[0]: must be a string" },
  ])("rejects $reason", ({ merge, message }) => {
    expect(() => rewrites([{ merge }])).toThrow(message);
  });
});
