// What to write: each creationPolicy and deletionPolicy, no write when nothing changed, templates.
import { describe, expect, it } from "vitest";
import { planWrite, renderTarget, secretIntact, ownerLabel, type ObservedSecret, type RenderedTarget } from "../../src/operator/externalsecret/plan.ts";
import { parseExternalSecretSpec } from "../../src/operator/externalsecret/parse.ts";
import { bytes, KEY, makeEs, miniEngine, text } from "./fixtures.ts";

const rendered = (data: Record<string, string>, extra: Partial<RenderedTarget> = {}): { kind: "rendered"; target: RenderedTarget } => ({
  kind: "rendered",
  target: { type: "Opaque", labels: {}, annotations: {}, ...extra, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, bytes(v)])) },
});

function observedFrom(plan: ReturnType<typeof planWrite>, rv = "7"): ObservedSecret {
  if (plan.kind !== "create" && plan.kind !== "update") throw new Error(`expected a write, got ${plan.kind}`);
  const s = plan.secret;
  return {
    name: s.name, uid: "secret-uid", resourceVersion: rv, type: s.type, immutable: s.immutable,
    data: s.data, labels: s.labels, annotations: s.annotations,
    ownerReferences: s.ownerReference === undefined ? [] : [{ uid: s.ownerReference.uid, kind: "ExternalSecret", name: s.ownerReference.name, controller: true }],
  };
}

const foreignSecret: ObservedSecret = {
  name: "app", uid: "s", resourceVersion: "3", type: "Opaque", immutable: false,
  data: { other: bytes("keep") }, labels: { team: "x" }, annotations: {}, ownerReferences: [],
};

describe("planWrite by creationPolicy", () => {
  it("Owner: creates with owner reference, managed labels and HMAC", () => {
    const es = makeEs({});
    const p = planWrite(es, rendered({ k: "v" }), undefined, KEY);
    expect(p.kind).toBe("create");
    if (p.kind !== "create") return;
    expect(p.secret.ownerReference).toMatchObject({ kind: "ExternalSecret", name: "app", uid: "uid-1", controller: true });
    expect(p.secret.labels).toMatchObject({ "reconcile.external-secrets.io/managed": "true", "reconcile.external-secrets.io/created-by": ownerLabel(es) });
    expect(p.secret.annotations["reconcile.kseal.dev/data-hmac"]).toMatch(/^v1:/);
    expect(JSON.stringify(p.secret.annotations)).not.toContain("\"v\"");
  });
  it("Owner: nothing changed means no write", () => {
    const es = makeEs({});
    const first = planWrite(es, rendered({ k: "v" }), undefined, KEY);
    expect(planWrite(es, rendered({ k: "v" }), observedFrom(first), KEY)).toEqual({ kind: "none", reason: "unchanged" });
  });
  it("Owner: a changed value updates with the observed resourceVersion", () => {
    const es = makeEs({});
    const first = planWrite(es, rendered({ k: "v" }), undefined, KEY);
    const p = planWrite(es, rendered({ k: "v2" }), observedFrom(first, "42"), KEY);
    expect(p.kind === "update" ? [p.resourceVersion, text(p.secret.data.k)] : p.kind).toEqual(["42", "v2"]);
  });
  it("Owner: an edited Secret (drift) is rewritten and detected by the HMAC", () => {
    const es = makeEs({});
    const obs = observedFrom(planWrite(es, rendered({ k: "v" }), undefined, KEY));
    expect(secretIntact(es, obs, KEY)).toBe(true);
    const edited = { ...obs, data: { k: bytes("tampered") } };
    expect(secretIntact(es, edited, KEY)).toBe(false);
    expect(secretIntact(es, obs, new Uint8Array(32))).toBe(false);
    expect(planWrite(es, rendered({ k: "v" }), edited, KEY).kind).toBe("update");
  });
  it("Owner: refuses a Secret controlled by someone else", () => {
    const es = makeEs({});
    const p = planWrite(es, rendered({ k: "v" }), { ...foreignSecret, ownerReferences: [{ uid: "other", kind: "ExternalSecret", name: "x", controller: true }] }, KEY);
    expect(p.kind === "error" ? p.error.message : p.kind).toContain("controlled by another ExternalSecret");
  });
  it("Orphan: creates without owner reference or created-by label", () => {
    const p = planWrite(makeEs({ target: { creationPolicy: "Orphan" } }), rendered({ k: "v" }), undefined, KEY);
    expect(p.kind === "create" ? [p.secret.ownerReference, p.secret.labels["reconcile.external-secrets.io/created-by"], p.secret.labels["reconcile.external-secrets.io/managed"]] : p.kind).toEqual([undefined, undefined, "true"]);
  });
  it("Merge: a missing Secret is SecretMissing, not a create", () => {
    const p = planWrite(makeEs({ target: { creationPolicy: "Merge" } }), rendered({ k: "v" }), undefined, KEY);
    expect(p.kind === "error" ? p.reason : p.kind).toBe("SecretMissing");
  });
  it("Merge: keeps foreign keys and labels, adds ours", () => {
    const p = planWrite(makeEs({ target: { creationPolicy: "Merge" } }), rendered({ k: "v" }), foreignSecret, KEY);
    expect(p.kind).toBe("update");
    if (p.kind !== "update") return;
    expect(Object.keys(p.secret.data).sort()).toEqual(["k", "other"]);
    expect(p.secret.labels.team).toBe("x");
    // ESO labels a merged Secret as managed too (no created-by: it is not ours to delete).
    expect(p.secret.labels["reconcile.external-secrets.io/managed"]).toBe("true");
    expect(p.secret.labels["reconcile.external-secrets.io/created-by"]).toBeUndefined();
    expect(p.secret.ownerReference).toBeUndefined();
  });
  it("CreateOrMerge: creates when missing, merges when present", () => {
    const es = makeEs({ target: { creationPolicy: "CreateOrMerge" } });
    expect(planWrite(es, rendered({ k: "v" }), undefined, KEY).kind).toBe("create");
    const p = planWrite(es, rendered({ k: "v" }), foreignSecret, KEY);
    expect(p.kind === "update" ? Object.keys(p.secret.data).sort() : p.kind).toEqual(["k", "other"]);
  });
  it("None: never writes", () => {
    expect(planWrite(makeEs({ target: { creationPolicy: "None" } }), rendered({ k: "v" }), undefined, KEY)).toEqual({ kind: "none", reason: "creation-policy-none" });
  });
  it("immutable: set on create; a differing immutable Secret is an error", () => {
    const es = makeEs({ target: { immutable: true } });
    const first = planWrite(es, rendered({ k: "v" }), undefined, KEY);
    expect(first.kind === "create" && first.secret.immutable).toBe(true);
    const p = planWrite(es, rendered({ k: "v2" }), observedFrom(first), KEY);
    expect(p.kind === "error" ? p.error.code : p.kind).toBe("ES_TARGET_IMMUTABLE");
  });
  it("target.name names the Secret", () => {
    const p = planWrite(makeEs({ target: { name: "other-name" } }), rendered({ k: "v" }), undefined, KEY);
    expect(p.kind === "create" ? p.secret.name : p.kind).toBe("other-name");
  });
});

describe("planWrite by deletionPolicy when every remote secret is gone", () => {
  it("Delete removes an owned Secret", () => {
    const es = makeEs({ target: { deletionPolicy: "Delete" } });
    const obs = observedFrom(planWrite(es, rendered({ k: "v" }), undefined, KEY), "9");
    expect(planWrite(es, { kind: "allGone" }, obs, KEY)).toEqual({ kind: "delete", name: "app", resourceVersion: "9" });
  });
  it("Merge removes only our keys and keeps the Secret", () => {
    const es = makeEs({ target: { creationPolicy: "Merge", deletionPolicy: "Merge" } });
    const obs = observedFrom(planWrite(es, rendered({ k: "v" }), foreignSecret, KEY));
    const p = planWrite(es, { kind: "allGone" }, obs, KEY);
    expect(p.kind === "update" ? Object.keys(p.secret.data) : p.kind).toEqual(["other"]);
  });
  it("nothing to do when the Secret is already gone", () => {
    expect(planWrite(makeEs({ target: { deletionPolicy: "Delete" } }), { kind: "allGone" }, undefined, KEY).kind).toBe("none");
  });
});

describe("renderTarget (template engine v2)", () => {
  const data = { user: bytes("alice"), pass: bytes("pw") };
  const tpl = (t: Record<string, unknown>) => parseExternalSecretSpec({ data: [{ secretKey: "k", remoteRef: { key: "r" } }], target: { template: t } }).target.template;
  const none = { configMaps: {}, secrets: {} };
  it("no template: provider data as Opaque", () => {
    const r = renderTarget(undefined, data, none, miniEngine);
    expect([r.type, Object.keys(r.data).sort()]).toEqual(["Opaque", ["pass", "user"]]);
  });
  it("Replace: only the rendered keys, with the template's type", () => {
    const r = renderTarget(tpl({ type: "kubernetes.io/basic-auth", data: { url: "https://{{ .user }}:{{ .pass }}@h" } }), data, none, miniEngine);
    expect([r.type, Object.keys(r.data), text(r.data.url)]).toEqual(["kubernetes.io/basic-auth", ["url"], "https://alice:pw@h"]);
  });
  it("Merge: rendered keys beside provider keys", () => {
    const r = renderTarget(tpl({ mergePolicy: "Merge", data: { url: "{{ .user }}" } }), data, none, miniEngine);
    expect(Object.keys(r.data).sort()).toEqual(["pass", "url", "user"]);
  });
  it("metadata only: provider data kept, labels and annotations rendered", () => {
    const r = renderTarget(tpl({ metadata: { labels: { owner: "{{ .user }}" }, annotations: { a: "x" } } }), data, none, miniEngine);
    expect([Object.keys(r.data).sort(), r.labels, r.annotations]).toEqual([["pass", "user"], { owner: "alice" }, { a: "x" }]);
  });
  it("templateFrom configMap (Values), literal (KeysAndValues) and Annotations target", () => {
    const r = renderTarget(
      tpl({
        templateFrom: [
          { configMap: { name: "cm", items: [{ key: "config.yml" }] } },
          { literal: "extra: {{ .pass | upper }}" },
          { literal: "note: {{ .user }}", target: "Annotations" },
        ],
      }),
      data,
      { configMaps: { cm: { "config.yml": "user={{ .user }}" } }, secrets: {} },
      miniEngine,
    );
    expect([text(r.data["config.yml"]), text(r.data.extra), r.annotations.note]).toEqual(["user=alice", "PW", "alice"]);
  });
  it("a missing templateFrom key names it", () => {
    expect(() => renderTarget(tpl({ templateFrom: [{ secret: { name: "s", items: [{ key: "nope" }] } }] }), data, none, miniEngine)).toThrow('secret "s" key "nope" not found');
  });
  it("a failing template names the key and never the values", () => {
    expect(() => renderTarget(tpl({ data: { x: "{{ .missing }}" } }), data, none, miniEngine)).toThrow('template data "x" failed');
  });
});
