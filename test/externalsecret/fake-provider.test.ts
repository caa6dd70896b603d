// ESO's fake provider against the store contract: versions, properties, maps, find, not-found.
import { describe, expect, it } from "vitest";
import { SecretNotFoundError, type StoreContext } from "../../src/stores/contract.ts";
import { provider } from "../../src/stores/fake/index.ts";
import { text } from "./fixtures.ts";

const ctx = (spec: unknown): StoreContext => ({
  storeKind: "SecretStore", storeName: "fake", namespace: "ns", providerSpec: spec,
  readSecretKey: () => Promise.reject(new Error("unused")),
  readConfigMapKey: () => Promise.reject(new Error("unused")),
  createServiceAccountToken: () => Promise.reject(new Error("unused")),
  now: () => 0,
});
const spec = {
  data: [
    { key: "/foo/bar", value: "HELLO1", version: "v1" },
    { key: "/foo/bar", value: "HELLO2", version: "v2" },
    { key: "/foo/baz", value: '{"john": "doe", "n": {"x": 1}}', version: "v1" },
    { key: "/map", valueMap: { a: "1", b: "2" } },
  ],
};

describe("fake provider", () => {
  it.each([
    { reason: "a version picks that entry", ref: { key: "/foo/bar", version: "v1" }, out: "HELLO1" },
    { reason: "no version: the last entry wins", ref: { key: "/foo/bar" }, out: "HELLO2" },
    { reason: "property of a JSON value", ref: { key: "/foo/baz", property: "john" }, out: "doe" },
    { reason: "nested property is compact JSON", ref: { key: "/foo/baz", property: "n" }, out: '{"x":1}' },
    { reason: "valueMap as JSON", ref: { key: "/map" }, out: '{"a":"1","b":"2"}' },
  ])("getSecret: $reason", async ({ ref, out }) => {
    const c = await provider.newClient(ctx(spec));
    expect(text(await c.getSecret({ ...ref, metadataPolicy: "None" }))).toBe(out);
  });
  it("getSecret of a missing key or version is SecretNotFoundError", async () => {
    const c = await provider.newClient(ctx(spec));
    await expect(c.getSecret({ key: "/nope" })).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(c.getSecret({ key: "/foo/bar", version: "v9" })).rejects.toBeInstanceOf(SecretNotFoundError);
  });
  it("a missing property is SECRET_PROPERTY_NOT_FOUND", async () => {
    const c = await provider.newClient(ctx(spec));
    await expect(c.getSecret({ key: "/foo/baz", property: "jane" })).rejects.toMatchObject({ code: "SECRET_PROPERTY_NOT_FOUND" });
  });
  it("getSecretMap of a JSON value and of a valueMap", async () => {
    const c = await provider.newClient(ctx(spec));
    const m = await c.getSecretMap({ key: "/foo/baz", version: "v1" });
    expect(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, text(v)]))).toEqual({ john: "doe", n: '{"x":1}' });
    expect(Object.keys(await c.getSecretMap({ key: "/map" }))).toEqual(["a", "b"]);
  });
  it("findSecrets by name regexp and path", async () => {
    const c = await provider.newClient(ctx(spec));
    expect(Object.keys(await c.findSecrets({ name: { regexp: "^/foo/" } })).sort()).toEqual(["/foo/bar", "/foo/baz"]);
    expect(Object.keys(await c.findSecrets({ path: "/map" }))).toEqual(["/map"]);
  });
  it.each([
    { reason: "default is Valid", result: undefined, ready: true, why: "Valid" },
    { reason: "2 is a validation error", result: 2, ready: false, why: "ValidationFailed" },
  ])("validate: $reason", async ({ result, ready, why }) => {
    const c = await provider.newClient(ctx({ ...spec, ...(result === undefined ? {} : { validationResult: result }) }));
    expect(await c.validate()).toMatchObject({ ready, reason: why });
  });
  it("validateSpec names the bad field", () => {
    expect(() => {
      provider.validateSpec({ data: [{ value: "x" }] });
    }).toThrow("spec.provider.fake.data[0].key is required");
  });
});
