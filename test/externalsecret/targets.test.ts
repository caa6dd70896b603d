// The index of ExternalSecrets by target Secret, and which Secret changes map back through it.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/kube/client.ts";
import { isManagedSecret, TargetIndex, targetKeyOf } from "../../src/operator/externalsecret/targets.ts";

const es = (namespace: string, name: string, target?: string): KubeObject =>
  ({ metadata: { namespace, name }, spec: target === undefined ? {} : { target: { name: target } } });
const secret = (namespace: string, name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject =>
  ({ metadata: { namespace, name, labels, annotations } });
const MANAGED = { "reconcile.external-secrets.io/managed": "true" };

describe("targetKeyOf", () => {
  it.each([
    { reason: "target.name set", obj: es("a", "es", "db"), want: "a/db" },
    { reason: "no target name: the ExternalSecret's name (ESO default)", obj: es("a", "es"), want: "a/es" },
    { reason: "empty target name counts as unset", obj: es("a", "es", ""), want: "a/es" },
    { reason: "no name at all", obj: { metadata: { namespace: "a" } }, want: undefined },
  ])("$reason", ({ obj, want }) => {
    expect(targetKeyOf(obj)).toBe(want);
  });
});

describe("isManagedSecret", () => {
  it.each([
    { reason: "ESO's managed label", s: secret("a", "s", MANAGED), want: true },
    { reason: "kseal's managed-keys annotation (a Secret merged into before the label existed)", s: secret("a", "s", {}, { "reconcile.kseal.dev/managed-keys": "k" }), want: true },
    { reason: "managed label with another value", s: secret("a", "s", { "reconcile.external-secrets.io/managed": "false" }), want: false },
    { reason: "an unrelated Secret", s: secret("a", "s", { app: "x" }), want: false },
  ])("$reason", ({ s, want }) => {
    expect(isManagedSecret(s)).toBe(want);
  });
});

describe("TargetIndex", () => {
  it("maps a managed Secret to every ExternalSecret writing it, in its namespace only", () => {
    const idx = new TargetIndex();
    idx.apply({ type: "added", object: es("a", "merge-1", "shared") });
    idx.apply({ type: "added", object: es("a", "merge-2", "shared") });
    idx.apply({ type: "added", object: es("b", "other", "shared") });
    idx.apply({ type: "added", object: es("a", "shared") });
    expect(idx.keysForSecret({ object: secret("a", "shared", MANAGED) })).toEqual(["a/merge-1", "a/merge-2", "a/shared"]);
    expect(idx.keysForSecret({ object: secret("b", "shared", MANAGED) })).toEqual(["b/other"]);
    expect(idx.keysForSecret({ object: secret("a", "shared") })).toEqual([]);
  });

  it("follows a target rename and forgets deleted ExternalSecrets", () => {
    const idx = new TargetIndex();
    idx.apply({ type: "added", object: es("a", "es", "old") });
    idx.apply({ type: "updated", object: es("a", "es", "new") });
    expect(idx.writersOf("a", "old")).toEqual([]);
    expect(idx.writersOf("a", "new")).toEqual(["a/es"]);
    idx.apply({ type: "deleted", object: es("a", "es", "new") });
    expect(idx.writersOf("a", "new")).toEqual([]);
  });
});

describe("TargetIndex bookkeeping", () => {
  it("goes from one writer to several and back, through defaults and renames", () => {
    const idx = new TargetIndex();
    idx.apply({ type: "added", object: es("a", "db") }); // writes a/db by default
    idx.apply({ type: "added", object: es("a", "m1", "db") });
    idx.apply({ type: "added", object: es("a", "m2", "db") });
    expect(idx.writersOf("a", "db")).toEqual(["a/db", "a/m1", "a/m2"]);
    idx.apply({ type: "updated", object: es("a", "m1", "db") }); // no change: still listed once
    expect(idx.writersOf("a", "db")).toEqual(["a/db", "a/m1", "a/m2"]);
    idx.apply({ type: "deleted", object: es("a", "db") });
    expect(idx.writersOf("a", "db")).toEqual(["a/m1", "a/m2"]);
    idx.apply({ type: "updated", object: es("a", "m2") }); // back to its own name
    expect(idx.writersOf("a", "db")).toEqual(["a/m1"]);
    expect(idx.writersOf("a", "m2")).toEqual(["a/m2"]);
    idx.apply({ type: "deleted", object: es("a", "m1", "db") });
    expect(idx.writersOf("a", "db")).toEqual([]);
    idx.apply({ type: "updated", object: es("a", "m2", "elsewhere") });
    expect(idx.writersOf("a", "m2")).toEqual([]);
    expect(idx.writersOf("a", "elsewhere")).toEqual(["a/m2"]);
  });

  it("keys entries by the informer's key when the change carries one", () => {
    const idx = new TargetIndex();
    idx.apply({ type: "added", key: "a/es", object: es("a", "es") });
    idx.apply({ type: "deleted", key: "a/es", object: es("a", "es") });
    expect(idx.writersOf("a", "es")).toEqual([]);
  });
});
