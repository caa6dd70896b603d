import { describe, expect, it } from "vitest";
import { encryptionLabel, parseScope, scopeFromAnnotations, withScopeAnnotations } from "../../src/sealing/index.ts";

describe("scopes", () => {
  it.each([
    { scope: "strict" as const, label: "ns/name", reason: "pinned to namespace and name" },
    { scope: "namespace-wide" as const, label: "ns", reason: "pinned to the namespace only" },
    { scope: "cluster-wide" as const, label: "", reason: "no binding" },
  ])("label for $scope: $reason", ({ scope, label }) => {
    expect(encryptionLabel("ns", "name", scope).toString()).toBe(label);
  });

  it.each([
    { annotations: undefined, scope: "strict", reason: "no annotations" },
    { annotations: { "sealedsecrets.bitnami.com/cluster-wide": "true" }, scope: "cluster-wide", reason: "cluster-wide annotation" },
    { annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true" }, scope: "namespace-wide", reason: "namespace-wide annotation" },
    {
      annotations: { "sealedsecrets.bitnami.com/namespace-wide": "true", "sealedsecrets.bitnami.com/cluster-wide": "true" },
      scope: "cluster-wide",
      reason: "cluster-wide wins",
    },
    { annotations: { "sealedsecrets.bitnami.com/cluster-wide": "True" }, scope: "strict", reason: "only the exact value \"true\" counts" },
    { annotations: { "sealedsecrets.bitnami.com/namespace-wide": "yes" }, scope: "strict", reason: "\"yes\" is not \"true\"" },
  ])("scope from annotations: $reason", ({ annotations, scope }) => {
    expect(scopeFromAnnotations(annotations)).toBe(scope);
  });

  it("rewrites scope annotations and keeps the others", () => {
    const a = { x: "1", "sealedsecrets.bitnami.com/cluster-wide": "true" };
    expect(withScopeAnnotations(a, "namespace-wide")).toEqual({ x: "1", "sealedsecrets.bitnami.com/namespace-wide": "true" });
    expect(withScopeAnnotations(a, "strict")).toEqual({ x: "1" });
  });

  it("parses --scope values", () => {
    expect(parseScope("")).toBe("strict");
    expect(parseScope("cluster-wide")).toBe("cluster-wide");
    expect(() => parseScope("global")).toThrow(expect.objectContaining({ code: "SEALING_BAD_SCOPE" }));
  });
});
