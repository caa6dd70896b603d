// Unknown JSON → typed ExternalSecret: ESO defaults, and specific errors naming the path.
import { describe, expect, it } from "vitest";
import { parseDuration, parseExternalSecret, parseSecretStore } from "../../src/operator/externalsecret/parse.ts";

const base = (spec: Record<string, unknown>): unknown => ({
  apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "a", namespace: "n" }, spec,
});
const data = [{ secretKey: "k", remoteRef: { key: "r" } }];

describe("parseExternalSecret", () => {
  it("applies ESO's defaults", () => {
    const es = parseExternalSecret(base({ data }));
    expect(es.spec.target).toEqual({ creationPolicy: "Owner", deletionPolicy: "Retain", immutable: false });
    expect(es.spec.refreshIntervalMs).toBe(3_600_000);
    expect(es.spec.data[0]?.remoteRef).toEqual({ key: "r", metadataPolicy: "None", decodingStrategy: "None", conversionStrategy: "Default", nullBytePolicy: "Ignore" });
  });
  it.each([
    { reason: "not an object", input: "x", message: "ExternalSecret: must be an object" },
    { reason: "no namespace", input: { metadata: { name: "a" }, spec: { data } }, message: "metadata.namespace: must be set" },
    { reason: "no data", input: base({}), message: "either data or dataFrom should be specified" },
    { reason: "bad enum", input: base({ data, refreshPolicy: "Sometimes" }), message: "spec.refreshPolicy: must be one of CreatedOnce, Periodic, OnChange" },
    { reason: "bad duration", input: base({ data, refreshInterval: "soon" }), message: "spec.refreshInterval: is not a duration" },
    { reason: "missing key", input: base({ data: [{ secretKey: "k", remoteRef: {} }] }), message: "spec.data[0].remoteRef.key: must be a string" },
    { reason: "duplicate secretKey", input: base({ data: [...data, ...data] }), message: "spec.data[1].secretKey: duplicate secretKey found" },
    { reason: "Delete with Merge", input: base({ data, target: { creationPolicy: "Merge", deletionPolicy: "Delete" } }), message: "deletionPolicy=Delete must not be used" },
    { reason: "non-Secret manifest target", input: base({ data, target: { manifest: { apiVersion: "v1", kind: "ConfigMap" } } }), message: "spec.target.manifest" },
    { reason: "empty find", input: base({ dataFrom: [{ find: {} }] }), message: "spec.dataFrom[0].find: find needs at least one of name, tags or path" },
  ])("rejects $reason", ({ input, message }) => {
    expect(() => parseExternalSecret(input)).toThrow(message);
  });
});

describe("parseDuration", () => {
  it.each([
    ["0", 0], ["1h", 3_600_000], ["1h0m0s", 3_600_000], ["1.5s", 1500], ["250ms", 250], ["2h30m", 9_000_000],
  ] as const)("%s = %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });
  it.each(["", "1", "h", "1d", "1h "])("rejects %j", (input) => {
    expect(() => parseDuration(input)).toThrow("is not a duration");
  });
});

describe("parseSecretStore", () => {
  it("finds the one provider", () => {
    const s = parseSecretStore({ kind: "ClusterSecretStore", metadata: { name: "s" }, spec: { provider: { fake: { data: [] } }, conditions: [{ namespaces: ["a"] }] } });
    expect([s.kind, s.spec.provider.key, s.spec.conditions[0]?.namespaces]).toEqual(["ClusterSecretStore", "fake", ["a"]]);
  });
  it("rejects zero or two providers", () => {
    expect(() => parseSecretStore({ metadata: { name: "s" }, spec: { provider: {} } })).toThrow("exactly one provider");
    expect(() => parseSecretStore({ metadata: { name: "s" }, spec: { provider: { fake: {}, vault: {} } } })).toThrow("exactly one provider");
  });
});
