// Pure selection logic: label selectors, ClusterSecretStore conditions, ClusterExternalSecret fan-out.
import { describe, expect, it } from "vitest";
import { namespaceAllowed, selectorMatches } from "../../src/operator/secretstore/index.ts";
import { planFanOut } from "../../src/operator/clusterexternalsecret/index.ts";
import { parseClusterExternalSecret } from "../../src/operator/externalsecret/parse.ts";
import type { LabelSelector } from "../../src/operator/externalsecret/types.ts";

describe("selectorMatches", () => {
  const labels = { team: "a", env: "prod" };
  it.each<{ reason: string; sel: LabelSelector; match: boolean }>([
    { reason: "empty selector matches all", sel: {}, match: true },
    { reason: "matchLabels equal", sel: { matchLabels: { team: "a" } }, match: true },
    { reason: "matchLabels differ", sel: { matchLabels: { team: "b" } }, match: false },
    { reason: "In", sel: { matchExpressions: [{ key: "env", operator: "In", values: ["prod", "stg"] }] }, match: true },
    { reason: "In, value absent", sel: { matchExpressions: [{ key: "env", operator: "In", values: ["dev"] }] }, match: false },
    { reason: "NotIn", sel: { matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] }, match: true },
    { reason: "NotIn on a missing key matches", sel: { matchExpressions: [{ key: "x", operator: "NotIn", values: ["a"] }] }, match: true },
    { reason: "Exists", sel: { matchExpressions: [{ key: "team", operator: "Exists" }] }, match: true },
    { reason: "DoesNotExist", sel: { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }, match: false },
    { reason: "labels and expressions are ANDed", sel: { matchLabels: { team: "a" }, matchExpressions: [{ key: "env", operator: "In", values: ["dev"] }] }, match: false },
  ])("$reason", ({ sel, match }) => {
    expect(selectorMatches(sel, labels)).toBe(match);
  });
});

describe("namespaceAllowed", () => {
  const ns = { name: "payments-prod", labels: { team: "payments" } };
  it.each([
    { reason: "no conditions allow all", conditions: [], allowed: true },
    { reason: "by name", conditions: [{ namespaces: ["payments-prod"] }], allowed: true },
    { reason: "by regex", conditions: [{ namespaceRegexes: ["-prod$"] }], allowed: true },
    { reason: "an invalid regex matches nothing", conditions: [{ namespaceRegexes: ["("] }], allowed: false },
    { reason: "by selector", conditions: [{ namespaceSelector: { matchLabels: { team: "payments" } } }], allowed: true },
    { reason: "none matching", conditions: [{ namespaces: ["x"] }, { namespaceRegexes: ["^dev-"] }], allowed: false },
  ])("$reason", ({ conditions, allowed }) => {
    expect(namespaceAllowed(conditions, ns)).toBe(allowed);
  });
});

describe("planFanOut", () => {
  const ces = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
    parseClusterExternalSecret({
      kind: "ClusterExternalSecret",
      metadata: { name: "c", uid: "u" },
      spec: { externalSecretSpec: { data: [{ secretKey: "a", remoteRef: { key: "a" } }] }, ...spec },
      status,
    });
  const namespaces = [
    { name: "a", labels: { sel: "yes" } },
    { name: "b", labels: {} },
    { name: "c", labels: { sel: "yes" }, terminating: true },
  ];
  it("selects by label and by name; skips terminating namespaces", () => {
    expect(planFanOut(ces({ namespaceSelectors: [{ matchLabels: { sel: "yes" } }], namespaces: ["b"] }), namespaces)).toEqual({ esName: "c", ensure: ["a", "b"], remove: [] });
  });
  it("the deprecated namespaceSelector still works", () => {
    expect(planFanOut(ces({ namespaceSelector: { matchLabels: { sel: "yes" } } }), namespaces).ensure).toEqual(["a"]);
  });
  it("nothing set selects nothing", () => {
    expect(planFanOut(ces({}), namespaces).ensure).toEqual([]);
  });
  it("previously provisioned or failed namespaces that no longer match are removed", () => {
    const p = planFanOut(ces({ namespaces: ["b"], externalSecretName: "es" }, { provisionedNamespaces: ["a", "b"], failedNamespaces: [{ namespace: "gone" }] }), namespaces);
    expect(p).toEqual({ esName: "es", ensure: ["b"], remove: ["a", "gone"] });
  });
});
