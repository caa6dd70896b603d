/** The SealedSecret controller's pure decisions, HTTP handlers and the worker pool. */
import { afterAll, describe, expect, it } from "vitest";
import {
  buildSecret,
  handleCert,
  handleRotate,
  handleVerify,
  KeyRing,
  planSealedSecret,
  RateLimiter,
  sealSecret,
  UnsealPool,
  unsealSealedSecret,
  type SealedSecret,
  type Secret,
} from "../../src/sealing/index.ts";
import { testKey } from "./support.ts";

const key = testKey();
const ring = new KeyRing([key.key]);
const now = new Date("2025-06-01T00:00:00Z");

function sealed(extra: Partial<Secret["metadata"]> = {}): SealedSecret {
  const ss = sealSecret(
    { metadata: { name: "db", namespace: "apps", labels: { l: "1" }, ...extra }, data: { pw: Buffer.from("s3cr3t").toString("base64") } },
    { publicKey: key.key.publicKey, fingerprint: key.key.fingerprint },
  );
  return { ...ss, metadata: { ...ss.metadata, uid: "uid-1", generation: 3 } };
}
const ss = sealed();
const desired = unsealSealedSecret(ss, ring);
const owned: Secret = structuredClone(desired);

describe("planSealedSecret", () => {
  it.each([
    { reason: "missing Secret is created", existing: null, write: "create" },
    { reason: "owned and identical: no write", existing: owned, write: null },
    { reason: "owned with changed data: update", existing: { ...owned, data: { pw: "b2xk" } }, write: "update" },
    { reason: "owned with an extra label: labels replaced", existing: { ...owned, metadata: { ...owned.metadata, labels: { l: "1", x: "y" } } }, write: "update" },
    {
      reason: "unowned but managed: taken over",
      existing: { metadata: { name: "db", namespace: "apps", annotations: { "sealedsecrets.bitnami.com/managed": "true" } }, data: { other: "eA==" } },
      write: "update",
    },
    {
      reason: "unowned but patch: merged",
      existing: { metadata: { name: "db", namespace: "apps", annotations: { "sealedsecrets.bitnami.com/patch": "true" } }, data: { other: "eA==" }, type: "Opaque" },
      write: "update",
    },
  ])("$reason", ({ existing, write }) => {
    const plan = planSealedSecret(ss, existing, { ok: true, secret: desired }, now);
    expect(plan.write?.kind ?? null).toBe(write);
    expect(plan.outcome).toBe("ok");
    expect(plan.event).toEqual({ type: "Normal", reason: "Unsealed", message: "SealedSecret unsealed successfully" });
  });

  it("take-over replaces data and sets the owner reference; patch merges and keeps owners", () => {
    const managed = planSealedSecret(ss, { metadata: { name: "db", namespace: "apps", annotations: { "sealedsecrets.bitnami.com/managed": "true" } }, data: { other: "eA==" } }, { ok: true, secret: desired }, now);
    expect(managed.write?.secret.data).toEqual(desired.data);
    expect(managed.write?.secret.metadata.ownerReferences?.[0]?.uid).toBe("uid-1");
    const patched = planSealedSecret(ss, { metadata: { name: "db", namespace: "apps", annotations: { "sealedsecrets.bitnami.com/patch": "true" } }, data: { other: "eA==" } }, { ok: true, secret: desired }, now);
    expect(patched.write?.secret.data).toEqual({ other: "eA==", ...desired.data });
    expect(patched.write?.secret.metadata.ownerReferences).toBeUndefined();
    expect(patched.write?.secret.metadata.annotations).toEqual({ "sealedsecrets.bitnami.com/patch": "true" });
  });

  it("refuses to touch a Secret it does not own", () => {
    const plan = planSealedSecret(ss, { metadata: { name: "db", namespace: "apps", ownerReferences: [{ apiVersion: "v1", kind: "X", name: "o", uid: "other", controller: true }] }, data: {} }, { ok: true, secret: desired }, now);
    expect(plan).toMatchObject({ write: null, outcome: "terminal", event: { type: "Warning", reason: "ErrUpdateFailed", message: 'Resource "db" already exists and is not managed by SealedSecret' } });
    expect(plan.status?.conditions?.[0]).toMatchObject({ type: "Synced", status: "False", message: 'failed update: Resource "db" already exists and is not managed by SealedSecret' });
  });

  it("an unseal failure writes nothing and reports the generic message", () => {
    let error: unknown;
    try {
      unsealSealedSecret({ ...ss, metadata: { ...ss.metadata, name: "moved" } }, ring);
    } catch (e: unknown) {
      error = e;
    }
    const plan = planSealedSecret(ss, owned, { ok: false, error }, now);
    expect(plan).toMatchObject({ write: null, outcome: "retry", event: { reason: "ErrUnsealFailed", message: 'Failed to unseal: no key could decrypt item "pw"' } });
    expect(JSON.stringify(plan)).not.toContain("s3cr3t");
  });

  it("status: Synced + observedGeneration, written only when something changed", () => {
    const first = planSealedSecret(ss, null, { ok: true, secret: desired }, now).status;
    expect(first).toEqual({ observedGeneration: 3, conditions: [{ type: "Synced", status: "True", lastUpdateTime: "2025-06-01T00:00:00Z", lastTransitionTime: "2025-06-01T00:00:00Z" }] });
    const later = new Date("2025-06-02T00:00:00Z");
    expect(planSealedSecret({ ...ss, status: first ?? {} }, owned, { ok: true, secret: desired }, later).status).toBeNull();
    const bumped = planSealedSecret({ ...ss, metadata: { ...ss.metadata, generation: 4 }, status: first ?? {} }, owned, { ok: true, secret: desired }, later).status;
    expect(bumped?.observedGeneration).toBe(4);
    expect(bumped?.conditions?.[0]?.lastTransitionTime).toBe("2025-06-01T00:00:00Z");
  });

  it("skip-set-owner-references leaves the Secret without an owner", () => {
    const s2 = sealed({ annotations: { "sealedsecrets.bitnami.com/skip-set-owner-references": "true" } });
    expect(unsealSealedSecret(s2, ring).metadata.ownerReferences).toBeUndefined();
  });
});

describe("HTTP handlers", () => {
  const open = (s: SealedSecret) => Promise.resolve(unsealSealedSecret(s, ring));
  it("serves the newest certificate", () => {
    expect(handleCert(ring)).toMatchObject({ status: 200, body: key.certificatePem, headers: { "Content-Type": "application/x-pem-file" } });
    expect(handleCert(new KeyRing([])).status).toBe(500);
  });
  it("verify: 200 opens, 409 does not, 400 not a SealedSecret, 429 over the rate limit", async () => {
    const limiter = new RateLimiter(2, 2);
    const body = (o: unknown) => Buffer.from(JSON.stringify(o));
    expect((await handleVerify(body(ss), open, limiter, 0)).status).toBe(200);
    expect((await handleVerify(body({ ...ss, metadata: { ...ss.metadata, namespace: "x" } }), open, limiter, 0)).status).toBe(409);
    expect((await handleVerify(body(ss), open, limiter, 100)).status).toBe(429);
    expect((await handleVerify(Buffer.from("nope"), open, limiter, 1000)).status).toBe(400);
  });
  it("rotate re-seals with the newest key, keeping scope and template", async () => {
    const newer = testKey(new Date("2026-01-01T00:00:00Z"));
    const both = new KeyRing([key.key, newer.key]);
    const r = await handleRotate(Buffer.from(JSON.stringify(ss)), (s) => Promise.resolve(unsealSealedSecret(s, both)), both);
    expect(r.status).toBe(200);
    const rotated = JSON.parse(r.body) as SealedSecret;
    expect(rotated.metadata.annotations?.["kseal.io/sealing-key"]).toBe(newer.key.fingerprint);
    expect(unsealSealedSecret(rotated, new KeyRing([newer.key])).data).toEqual(desired.data);
    expect((await handleRotate(Buffer.from(JSON.stringify({ ...ss, metadata: { ...ss.metadata, name: "x" } })), open, ring)).status).toBe(500);
  });
});

describe("UnsealPool", () => {
  const pool = new UnsealPool({ size: 2 });
  afterAll(() => pool.close());
  it("opens SealedSecrets in worker threads, and reports the generic error", async () => {
    pool.setKeys(ring);
    const many = await Promise.all(Array.from({ length: 8 }, () => pool.open(ss)));
    for (const opened of many) expect(buildSecret(ss, opened)).toEqual(desired);
    await expect(pool.open({ ...ss, metadata: { ...ss.metadata, name: "moved" } })).rejects.toMatchObject({ code: "SEALING_DECRYPT_FAILED" });
  });
});

describe("template.data", () => {
  it("renders with the template engine (Sealed Secrets' function set), null deletes an item", () => {
    const base = sealed();
    const ss2: SealedSecret = {
      ...base,
      spec: { ...base.spec, template: { ...base.spec.template, data: { url: "postgres://app:{{ .pw }}@db/{{ .pw | upper }}", pw: null } } },
    };
    expect(unsealSealedSecret(ss2, ring).data).toEqual({ url: Buffer.from("postgres://app:s3cr3t@db/S3CR3T").toString("base64") });
  });
  it("a failing template reports the item, never the values", () => {
    const base = sealed();
    const ss2: SealedSecret = { ...base, spec: { ...base.spec, template: { data: { bad: "{{ .pw | nosuchfunc }}" } } } };
    let caught: unknown;
    try {
      unsealSealedSecret(ss2, ring);
    } catch (e: unknown) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: "SEALING_TEMPLATE_FAILED" });
    expect((caught as Error).message).toContain('template.data item "bad"');
    expect((caught as Error).message).not.toContain("s3cr3t");
  });
});
