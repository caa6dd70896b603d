/**
 * Bad SealedSecrets: truncated, tampered, garbage, wrong-key, wrong-scope, oversized and
 * wrong-typed blobs and specs. As Bitnami's controller does, every failed open reports one
 * generic "no key could decrypt" message naming only the item key (nothing about why, so nothing
 * leaks), with the ErrUnsealFailed event; a Secret of the same name that is not ours is never
 * overwritten (ErrUpdateFailed).
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { hybridEncrypt, encryptionLabel, type SealingScope } from "../../src/sealing/index.ts";
import { canary, type BadCase, type Manifest } from "./cases.ts";

export interface SealedCtx {
  readonly ns: string;
  /** The operator's sealing public key. */
  readonly pub: KeyObject;
  /** Another controller's key: blobs it seals must not open here. */
  readonly otherPub: KeyObject;
}

export type SealedCase = BadCase<SealedCtx>;

const DECRYPT = (key: string): RegExp => new RegExp(`^no key could decrypt item "${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"$`);
const NOT_BASE64 = (key: string): string => `item "${key}" is not valid base64`;
const NOT_OWNED = /already exists and is not managed by SealedSecret/;

/** A seeded generator so junk bytes are the same on every run. */
function seeded(seed: number): (n: number) => Buffer {
  let s = seed >>> 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}

function seal(pub: KeyObject, plaintext: string, ns: string, name: string, scope: SealingScope = "strict"): Buffer {
  return hybridEncrypt((n) => randomBytes(n), pub, Buffer.from(plaintext, "utf8"), encryptionLabel(ns, name, scope));
}

function manifest(encryptedData: Record<string, unknown>, extra: { annotations?: Record<string, string>; template?: unknown; spec?: Record<string, unknown> } = {}): Manifest {
  return {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    metadata: extra.annotations === undefined ? {} : { annotations: extra.annotations },
    spec: { encryptedData, ...(extra.template === undefined ? {} : { template: extra.template }), ...(extra.spec ?? {}) },
  };
}

/** A case whose single item `k` is a good blob for this object, then mangled by `mangle`. */
function mangled(name: string, why: string, mangle: (blob: Buffer) => Buffer | string): SealedCase {
  const plain = canary("ss", name);
  return {
    name, why, canaries: [plain],
    object: (ctx) => {
      const out = mangle(seal(ctx.pub, plain, ctx.ns, name));
      return manifest({ k: typeof out === "string" ? out : out.toString("base64") });
    },
    expect: { kind: "condition", message: DECRYPT("k"), event: "ErrUnsealFailed" },
  };
}

function flip(at: (len: number) => number): (b: Buffer) => Buffer {
  return (b) => {
    const c = Buffer.from(b);
    const i = at(c.length);
    c[i] = (c[i] ?? 0) ^ 0x5a;
    return c;
  };
}

const truncations: SealedCase[] = [
  ["trunc-empty", 0], ["trunc-1", 1], ["trunc-2", 2], ["trunc-3", 3], ["trunc-10", 10], ["trunc-257", 257], ["trunc-513", 513],
  ["trunc-514", 514], ["trunc-530", 530],
].map(([name, len]) => mangled(String(name), `the blob cut to ${String(len)} bytes: the header, the RSA part or the GCM tag is incomplete`, (b) => b.subarray(0, Number(len))));

const truncTail: SealedCase[] = [
  mangled("trunc-minus-1", "the last byte of the GCM tag is missing", (b) => b.subarray(0, b.length - 1)),
  mangled("trunc-minus-16", "the whole GCM tag is missing", (b) => b.subarray(0, b.length - 16)),
  mangled("trunc-minus-17", "the tag and one ciphertext byte are missing", (b) => b.subarray(0, b.length - 17)),
];

const tampering: SealedCase[] = [
  mangled("tamper-header-0", "the RSA length header's high byte changed: the RSA part no longer parses", flip(() => 0)),
  mangled("tamper-header-1", "the RSA length header's low byte changed", flip(() => 1)),
  mangled("tamper-rsa-first", "the first byte of the RSA-OAEP ciphertext changed", flip(() => 2)),
  mangled("tamper-rsa-middle", "a byte in the middle of the RSA-OAEP ciphertext changed", flip(() => 200)),
  mangled("tamper-rsa-last", "the last RSA-OAEP byte changed (RSA-4096: bytes 2..513)", flip(() => 513)),
  mangled("tamper-body-first", "the first AES-GCM ciphertext byte changed: the tag fails", flip(() => 514)),
  mangled("tamper-tag-last", "the last byte of the GCM tag changed", flip((n) => n - 1)),
  mangled("tamper-append", "a byte appended after the tag", (b) => Buffer.concat([b, Buffer.from([0])])),
  mangled("tamper-prepend", "a byte prepended before the header", (b) => Buffer.concat([Buffer.from([0]), b])),
  mangled("tamper-swap-halves", "the RSA part and the body swapped", (b) => Buffer.concat([b.subarray(514), b.subarray(0, 514)])),
  mangled("tamper-zeroed", "every byte zeroed, same length", (b) => Buffer.alloc(b.length)),
  mangled("tamper-doubled", "the blob repeated twice", (b) => Buffer.concat([b, b])),
];

const garbage: SealedCase[] = [
  ["b64-bang", "not base64!!"], ["b64-only-padding", "===="], ["b64-unpadded", "YWJj" + "ZA"], ["b64-urlsafe", "-_-_-_-_"],
  ["b64-unicode", "w6nDqcOp\u00e9"], ["b64-percent", "YWJj%3D%3D"], ["b64-json", "{\"a\":1}"], ["b64-too-much-padding", "YQ==="],
].map(([name, value]): SealedCase => ({
  name: String(name), why: `encryptedData.k is not strict base64 (${String(name)}): refused before any key is tried`, canaries: [],
  object: manifest({ k: value }),
  expect: { kind: "condition", message: NOT_BASE64("k"), event: "ErrUnsealFailed" },
}));

const junk: SealedCase[] = [16, 514, 1024, 4096, 65_536, 600_000].map((n, i): SealedCase => ({
  name: `junk-${String(n)}`, why: `${String(n)} seeded random bytes: valid base64 of something that is no blob`, canaries: [],
  object: manifest({ k: seeded(1000 + i)(n).toString("base64") }),
  expect: { kind: "condition", message: DECRYPT("k"), event: "ErrUnsealFailed" },
}));

const wrongKey: SealedCase[] = (["strict", "namespace-wide", "cluster-wide"] as const).map((scope): SealedCase => {
  const name = `wrong-key-${scope}`;
  const plain = canary("ss", name);
  return {
    name, why: `sealed for another controller's certificate (${scope}); only that controller's private key opens it`, canaries: [plain],
    object: (ctx) => manifest({ k: seal(ctx.otherPub, plain, ctx.ns, name, scope).toString("base64") },
      scope === "strict" ? {} : { annotations: { [`sealedsecrets.bitnami.com/${scope}`]: "true" } }),
    expect: { kind: "condition", message: DECRYPT("k"), event: "ErrUnsealFailed" },
  };
});

function scoped(name: string, why: string, sealAs: (ctx: SealedCtx) => { ns: string; name: string; scope: SealingScope }, annotations: Record<string, string> = {}): SealedCase {
  const plain = canary("ss", name);
  return {
    name, why, canaries: [plain],
    object: (ctx) => {
      const a = sealAs(ctx);
      return manifest({ k: seal(ctx.pub, plain, a.ns, a.name, a.scope).toString("base64") }, { annotations });
    },
    expect: { kind: "condition", message: DECRYPT("k"), event: "ErrUnsealFailed" },
  };
}

const wrongScope: SealedCase[] = [
  scoped("scope-strict-renamed", "a strict blob sealed for another name in this namespace (moved by renaming)", (c) => ({ ns: c.ns, name: "original", scope: "strict" })),
  scoped("scope-strict-other-ns", "a strict blob sealed for the same name in another namespace", () => ({ ns: "other-ns", name: "scope-strict-other-ns", scope: "strict" })),
  scoped("scope-nswide-other-ns", "a namespace-wide blob sealed for another namespace", () => ({ ns: "other-ns", name: "x", scope: "namespace-wide" }),
    { "sealedsecrets.bitnami.com/namespace-wide": "true" }),
  scoped("scope-strict-as-cluster", "a strict blob annotated cluster-wide: the label tried (empty) differs", (c) => ({ ns: c.ns, name: "scope-strict-as-cluster", scope: "strict" }),
    { "sealedsecrets.bitnami.com/cluster-wide": "true" }),
  scoped("scope-strict-as-nswide", "a strict blob annotated namespace-wide", (c) => ({ ns: c.ns, name: "scope-strict-as-nswide", scope: "strict" }),
    { "sealedsecrets.bitnami.com/namespace-wide": "true" }),
  scoped("scope-cluster-as-strict", "a cluster-wide blob with the annotation removed: strict label tried", (c) => ({ ns: c.ns, name: "x", scope: "cluster-wide" })),
  scoped("scope-nswide-as-strict", "a namespace-wide blob with the annotation removed", (c) => ({ ns: c.ns, name: "x", scope: "namespace-wide" })),
  scoped("scope-nswide-as-cluster", "a namespace-wide blob annotated cluster-wide", (c) => ({ ns: c.ns, name: "x", scope: "namespace-wide" }),
    { "sealedsecrets.bitnami.com/cluster-wide": "true" }),
  scoped("scope-label-case", "a strict blob whose label differs only by letter case (namespace/NAME)", (c) => ({ ns: c.ns, name: "SCOPE-LABEL-CASE", scope: "strict" })),
  scoped("scope-annotation-not-true", "cluster-wide annotation set to \"yes\" (only \"true\" counts, as Bitnami): strict is tried on a cluster-wide blob",
    () => ({ ns: "", name: "", scope: "cluster-wide" }), { "sealedsecrets.bitnami.com/cluster-wide": "yes" }),
];

const partial: SealedCase[] = [
  {
    name: "mixed-good-and-tampered", why: "one good item and one tampered: nothing is written, not even the good item", guard: null,
    canaries: [canary("ss", "mixed-a"), canary("ss", "mixed-b")],
    object: (ctx) => {
      const bad = seal(ctx.pub, canary("ss", "mixed-b"), ctx.ns, "mixed-good-and-tampered");
      bad[bad.length - 3] = (bad[bad.length - 3] ?? 0) ^ 1;
      return manifest({ a: seal(ctx.pub, canary("ss", "mixed-a"), ctx.ns, "mixed-good-and-tampered").toString("base64"), b: bad.toString("base64") });
    },
    expect: { kind: "condition", message: DECRYPT("b"), event: "ErrUnsealFailed" },
  },
  {
    name: "mixed-good-and-wrong-key", why: "one good item and one for another key: no Secret is created with the good half", guard: null,
    canaries: [canary("ss", "mixed-c"), canary("ss", "mixed-d")],
    object: (ctx) => manifest({
      c: seal(ctx.pub, canary("ss", "mixed-c"), ctx.ns, "mixed-good-and-wrong-key").toString("base64"),
      d: seal(ctx.otherPub, canary("ss", "mixed-d"), ctx.ns, "mixed-good-and-wrong-key").toString("base64"),
    }),
    expect: { kind: "condition", message: DECRYPT("d"), event: "ErrUnsealFailed" },
  },
  {
    name: "item-moved-between-objects", why: "an item copied from another SealedSecret (strict label of the other object)", guard: null,
    canaries: [canary("ss", "moved-item")],
    object: (ctx) => manifest({ k: seal(ctx.pub, canary("ss", "moved-item"), ctx.ns, "another-object").toString("base64") }),
    expect: { kind: "condition", message: DECRYPT("k"), event: "ErrUnsealFailed" },
  },
];

function goodWith(name: string, why: string, extra: Parameters<typeof manifest>[1], expectMessage: RegExp | string, opts: { guard?: string | null; event?: string; key?: string } = {}): SealedCase {
  const plain = canary("ss", name);
  const key = opts.key ?? "k";
  return {
    name, why, canaries: [plain], ...(opts.guard === undefined ? {} : { guard: opts.guard }),
    object: (ctx) => manifest({ [key]: seal(ctx.pub, plain, ctx.ns, name).toString("base64") }, extra),
    expect: { kind: "condition", message: expectMessage, event: opts.event ?? "ErrUpdateFailed" },
  };
}

const notOwned: SealedCase[] = [
  goodWith("not-owned-plain", "a valid SealedSecret whose Secret name is taken by a Secret it does not own: never overwritten (Bitnami)", {}, NOT_OWNED),
  goodWith("not-owned-with-template", "a valid SealedSecret with template metadata; the unowned Secret still wins", { template: { metadata: { labels: { a: "b" } } } }, NOT_OWNED),
  goodWith("not-owned-typed", "a valid SealedSecret asking for another type than the unowned Secret's", { template: { type: "kubernetes.io/basic-auth" } }, NOT_OWNED, { key: "username" }),
  {
    name: "not-owned-empty-data", why: "empty encryptedData opens to an empty Secret (Bitnami allows it), but the name is taken by a Secret it does not own",
    canaries: [], object: manifest({}), expect: { kind: "condition", message: NOT_OWNED, event: "ErrUpdateFailed" },
  },
];

const templates: SealedCase[] = [
  goodWith("template-parse-error", "template.data holds a Go template that does not parse", { template: { data: { out: "{{ .k " } } },
    /^template\.data item "out" failed to render/, { event: "ErrUnsealFailed" }),
  goodWith("template-unknown-function", "template.data calls a function that does not exist", { template: { data: { out: "{{ nosuchfunc .k }}" } } },
    /^template\.data item "out" failed to render/, { event: "ErrUnsealFailed" }),
  goodWith("template-range-over-string", "template.data ranges over a non-iterable", { template: { data: { out: "{{ range .k }}x{{ end }}" } } },
    /^template\.data item "out" failed to render/, { event: "ErrUnsealFailed" }),
  goodWith("template-bad-tls-type", "template.type kubernetes.io/tls without tls.crt/tls.key: the API server refuses the Secret (the message only says 422 Invalid: kseal never relays the API's Status text)",
    { template: { type: "kubernetes.io/tls" } }, /secrets failed: 422/, { guard: null }),
];

const schema: SealedCase[] = [
  ["schema-no-spec", "spec is required", { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: {} }, /spec: Required value/],
  ["schema-no-encrypted-data", "spec.encryptedData is required", { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: {}, spec: {} }, /spec.encryptedData: Required value/],
  ["schema-encrypted-data-string", "spec.encryptedData must be a map", manifestRaw({ encryptedData: "abc" }), /spec.encryptedData: Invalid value: "string"/],
  ["schema-encrypted-data-list", "spec.encryptedData must be a map, not a list", manifestRaw({ encryptedData: ["abc"] }), /spec.encryptedData: Invalid value: "array"/],
  ["schema-item-number", "an encryptedData item must be a string", manifestRaw({ encryptedData: { k: 42 } }), /spec.encryptedData.k: Invalid value: "integer"/],
  ["schema-item-object", "an encryptedData item must be a string, not an object", manifestRaw({ encryptedData: { k: { nested: "x" } } }), /spec.encryptedData.k: Invalid value: "object"/],
  ["schema-v1-data-not-bytes", "the deprecated spec.data must be base64 (format: byte)", manifestRaw({ encryptedData: {}, data: "not base64!!" }), /spec.data: Invalid value/],
  ["schema-template-type-int", "template.type must be a string", manifestRaw({ encryptedData: {}, template: { type: 7 } }), /spec.template.type: Invalid value: "integer"/],
  ["schema-template-immutable-string", "template.immutable must be a boolean", manifestRaw({ encryptedData: {}, template: { immutable: "yes" } }), /spec.template.immutable: Invalid value: "string"/],
  ["schema-template-label-int", "template.metadata.labels values must be strings", manifestRaw({ encryptedData: {}, template: { metadata: { labels: { a: 1 } } } }), /spec.template.metadata.labels.a: Invalid value: "integer"/],
  ["schema-template-data-list", "template.data must be a map", manifestRaw({ encryptedData: {}, template: { data: ["a"] } }), /spec.template.data: Invalid value: "array"/],
  ["schema-template-finalizers-string", "template.metadata.finalizers must be a list", manifestRaw({ encryptedData: {}, template: { metadata: { finalizers: "x" } } }), /spec.template.metadata.finalizers: Invalid value: "string"/],
  ["schema-spec-string", "spec must be an object", { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: {}, spec: "sealed" }, /spec: Invalid value: "string"/],
  ["schema-bad-name", "metadata.name must be a DNS-1123 subdomain", { ...manifestRaw({ encryptedData: {} }), metadata: { name: "Bad_Name" } }, /metadata.name: Invalid value: "Bad_Name"/],
  ["schema-oversized", "a 3.5 MB blob: larger than the API server accepts for one object", manifestRaw({ encryptedData: { k: seeded(7)(2_700_000).toString("base64") } }), /too large|exceeds|limit/i],
].map(([name, why, object, message]): SealedCase => ({
  name: name as string, why: why as string, object: object as Manifest, expect: { kind: "rejected", message: message as RegExp },
}));

function manifestRaw(spec: Record<string, unknown>): Manifest {
  return { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: {}, spec };
}

const v1: SealedCase[] = [
  {
    name: "v1-and-items", why: "spec.encryptedData and the deprecated spec.data together", canaries: [],
    object: manifestRaw({ encryptedData: { k: seeded(3)(300).toString("base64") }, data: seeded(4)(300).toString("base64") }),
    expect: { kind: "condition", message: "spec.encryptedData and the deprecated spec.data cannot be used together", event: "ErrUnsealFailed" },
  },
  {
    name: "v1-junk", why: "the deprecated spec.data holding junk bytes", canaries: [],
    object: manifestRaw({ encryptedData: {}, data: seeded(5)(400).toString("base64") }),
    expect: { kind: "condition", message: /no key could decrypt/, event: "ErrUnsealFailed" },
  },
  {
    name: "v1-not-a-secret", why: "the deprecated spec.data opens, but to something that is not a Secret manifest",
    canaries: [canary("ss", "v1-not-a-secret")],
    object: (ctx) => manifestRaw({ encryptedData: {}, data: seal(ctx.pub, `not json ${canary("ss", "v1-not-a-secret")}`, ctx.ns, "v1-not-a-secret").toString("base64") }),
    expect: { kind: "condition", message: "the deprecated spec.data does not hold a Secret", event: "ErrUnsealFailed" },
  },
];

const keyNames: SealedCase[] = [["key-space", "bad key"], ["key-slash", "a/b"], ["key-colon", "a:b"], ["key-dotdot", ".."], ["key-unicode", "clé"], ["key-long", "k".repeat(254)]].map(([name, key]) =>
  goodWith(String(name), `the item key ${JSON.stringify(key).slice(0, 40)} is not a valid Secret data key: named in the message (the API server's own refusal would only say 422)`, {},
    `item "${String(key)}" is not a valid Secret data key`, { key: String(key), event: "ErrUnsealFailed" }));

export const SEALED_CASES: readonly SealedCase[] = [
  ...truncations, ...truncTail, ...tampering, ...garbage, ...junk, ...wrongKey, ...wrongScope, ...partial, ...notOwned, ...templates, ...schema, ...v1, ...keyNames,
];

/** A second RSA key pair, standing in for another cluster's controller. */
export function otherControllerKey(): KeyObject {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
}
