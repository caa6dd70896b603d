import { describe, expect, it } from "vitest";
import { getProvider, providerKeyOf } from "../../src/stores/registry.ts";
import { StoreErrorCode } from "../../src/stores/contract.ts";

describe("store registry", () => {
  it.each<[unknown, string, string]>([
    [{ vault: { server: "http://x" } }, "vault", "one known provider"],
    [{ aws: {}, vault: null }, "aws", "null fields are not set"],
  ])("finds the provider key of %j", (spec, key) => {
    expect(providerKeyOf(spec)).toBe(key);
  });

  it.each<[unknown, string]>([
    [{}, "none set"],
    [{ vault: {}, aws: {} }, "two set"],
    [{ onprem: {} }, "unknown kind"],
    ["vault", "not an object"],
  ])("rejects %j (%s) as STORE_INVALID_CONFIG", (spec) => {
    expect(() => providerKeyOf(spec)).toThrow(expect.objectContaining({ code: StoreErrorCode.InvalidConfig }) as Error);
  });

  it("loads a provider lazily and once", async () => {
    const a = await getProvider("vault");
    expect(a.key).toBe("vault");
    expect(await getProvider("vault")).toBe(a);
    await expect(getProvider("nope")).rejects.toMatchObject({ code: StoreErrorCode.InvalidConfig });
  });
});
