// What an informer keeps of an object: no managedFields, fast-mode metadata, shared short strings.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/kube/client.ts";
import { compactForCache, StringPool } from "../../src/kube/compact.ts";

/** An ExternalSecret as the API server sends it (managedFields last in metadata). */
const served = (i: number): string => JSON.stringify({
  apiVersion: "external-secrets.io/v1",
  kind: "ExternalSecret",
  metadata: {
    name: `es-${String(i).padStart(5, "0")}`, namespace: "bench", uid: `0000${String(i)}-aaaa-bbbb-cccc-dddddddddddd`, resourceVersion: String(1000 + i), generation: 1,
    creationTimestamp: "2026-11-24T13:01:09Z",
    managedFields: [{ manager: "kubectl", operation: "Update", apiVersion: "external-secrets.io/v1", time: "2026-11-24T13:01:09Z", fieldsType: "FieldsV1", fieldsV1: { "f:spec": {} } }],
  },
  spec: { secretStoreRef: { name: "openbao", kind: "SecretStore" }, data: [{ secretKey: "value", remoteRef: { key: `k${String(i)}`, conversionStrategy: "Default" } }] },
  status: { refreshTime: "2026-11-24T13:01:09Z", syncedResourceVersion: "1-643d5437104296e21d906ecb15b2c96a", conditions: [{ type: "Ready", status: "True", reason: "SecretSynced", message: "secret synced" }] },
});

describe("compactForCache", () => {
  it("drops managedFields and keeps everything else, in order", () => {
    const obj = JSON.parse(served(7)) as KubeObject;
    const before = JSON.parse(served(7)) as { metadata: Record<string, unknown> };
    delete before.metadata.managedFields;
    expect(compactForCache(obj)).toBe(obj);
    expect(obj).toEqual(before);
    expect(Object.keys(obj.metadata ?? {})).toEqual(Object.keys(before.metadata));
  });

  it("leaves an object without managedFields as it was", () => {
    const obj = { metadata: { name: "a", namespace: "n" }, data: ["x", { y: "z" }] } as KubeObject;
    const md = obj.metadata;
    compactForCache(obj);
    expect(obj.metadata).toBe(md);
    expect(obj).toEqual({ metadata: { name: "a", namespace: "n" }, data: ["x", { y: "z" }] });
  });

  it("keeps metadata in fast mode and holds less heap than deleting managedFields (child with --allow-natives-syntax)", async () => {
    // A delete turns the metadata object into a hash table; equal string values are one copy each.
    const script = `
      import { compactForCache } from ${JSON.stringify(new URL("../../src/kube/compact.ts", import.meta.url).href)};
      const served = ${served.toString()};
      const fast = (o) => %HasFastProperties(o);
      const heapOf = (prepare) => {
        gc(); const before = process.memoryUsage().heapUsed;
        const kept = Array.from({ length: 5000 }, (_, i) => prepare(JSON.parse(served(i))));
        gc(); const used = process.memoryUsage().heapUsed - before;
        return { used, fast: fast(kept[0].metadata), kept };
      };
      const deleted = heapOf((o) => { delete o.metadata.managedFields; return o; });
      const compacted = heapOf((o) => compactForCache(o));
      console.log(JSON.stringify({ deletedFast: deleted.fast, compactedFast: compacted.fast, ratio: compacted.used / deleted.used }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "--allow-natives-syntax", "--input-type=module", "-e", script]);
    const r = JSON.parse(stdout) as { deletedFast: boolean; compactedFast: boolean; ratio: number };
    expect(r.deletedFast).toBe(false); // the control: what a delete does
    expect(r.compactedFast).toBe(true);
    expect(r.ratio, JSON.stringify(r)).toBeLessThan(0.8);
  });
});

describe("StringPool", () => {
  it("returns an equal string and does not grow for values it holds", () => {
    const pool = new StringPool(10);
    const a = "external-secrets.io/" + "v1";
    expect(pool.intern(a)).toBe("external-secrets.io/v1");
    expect(pool.intern(["external", "secrets.io/v1"].join("-"))).toBe("external-secrets.io/v1");
    expect(pool.size).toBe(1);
  });

  it("does not pool long strings", () => {
    const pool = new StringPool(10);
    const long = "x".repeat(65);
    expect(pool.intern(long)).toBe(long);
    expect(pool.size).toBe(0);
  });

  it("starts over when full, so unique values cannot make it grow without bound", () => {
    const pool = new StringPool(3);
    for (const s of ["a", "b", "c"]) pool.intern(s);
    expect(pool.size).toBe(3);
    pool.intern("d");
    expect(pool.size).toBe(1);
    expect(() => new StringPool(0)).toThrow(RangeError);
  });
});
