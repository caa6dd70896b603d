/**
 * Sealing a Secret into a SealedSecret (laid out exactly as `kubeseal` does) and unsealing a
 * SealedSecret into the Secret the controller should write (exactly as the Bitnami controller
 * does), plus kseal's key-id hint annotation.
 */
import type { KeyObject } from "node:crypto";
import { KsealError } from "../errors.ts";
import { createRequire } from "node:module";
import type * as Template from "../template/index.ts";
import { decryptFailed, defaultRng, hybridDecrypt, hybridEncrypt, type Rng } from "./hybrid.ts";
import type { KeyRing } from "./keys.ts";
import { encryptionLabel, scopeFromAnnotations, withScopeAnnotations, type SealingScope } from "./scope.ts";
import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type ObjectMeta,
  type SealedSecret,
  type SealedSecretTemplate,
  type Secret,
} from "./types.ts";

/**
 * kseal's key-id hint (Sealed Secrets #638): the fingerprint of the key that sealed the values,
 * on the SealedSecret's metadata. Openers try that key first and then every key, so a missing or
 * stale hint only costs time.
 */
export const ANNOTATION_KEY_HINT = "kseal.io/sealing-key";
export const ANNOTATION_SKIP_OWNER_REFERENCES = "sealedsecrets.bitnami.com/skip-set-owner-references";
export const ANNOTATION_MANAGED = "sealedsecrets.bitnami.com/managed";
export const ANNOTATION_PATCH = "sealedsecrets.bitnami.com/patch";

/** Annotations tools put a full plaintext copy of the object into; never carried into a template. */
const LAST_APPLIED = ["kubectl.kubernetes.io/last-applied-configuration", "kubecfg.ksonnet.io/last-applied-configuration"];

/** ObjectMeta fields in the Kubernetes API's own order, which is how kubeseal prints them. */
const META_ORDER = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
];

/** Server-side metadata kubeseal strips from its input before sealing. */
const SERVER_SIDE = ["selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"];

/** Renders one `spec.template.data` value from the decrypted items (raw bytes in and out). */
export type TemplateRenderer = (source: string, data: Readonly<Record<string, Uint8Array>>) => Uint8Array;

/** kseal's template engine with Sealed Secrets' function set (sprig minus env/expandenv/getHostByName). */
export const sealedSecretsRenderer: TemplateRenderer = (source, data) => templateEngine().renderTemplateBytes(source, data, { funcs: "sealed-secrets" });

let template: typeof Template | undefined;
/**
 * The template engine, loaded on the first render: sealing never renders, and the engine (sprig and
 * its helpers) is the largest part of `kseal seal`'s start-up otherwise. Loaded in whichever
 * extension this build runs (.ts sources or tsc's .js).
 */
function templateEngine(): typeof Template {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  template ??= createRequire(import.meta.url)(`../template/index${ext}`) as typeof Template;
  return template;
}

export interface SealOptions {
  readonly publicKey: KeyObject;
  /** Written to the key-id hint annotation when given. */
  readonly fingerprint?: string;
  readonly rng?: Rng;
  /** `--scope`: anything but strict rewrites the scope annotations (kubeseal's rule). */
  readonly scope?: SealingScope;
  /** `--name` / `--namespace` / `--merge-into`: override the input's. */
  readonly name?: string;
  readonly namespace?: string;
  /** Namespace to use when the input has none and the scope needs one (kubeconfig's). */
  readonly defaultNamespace?: string;
  readonly allowEmptyData?: boolean;
}

/**
 * Seals a Secret as `kubeseal` does. Throws SEALING_EMPTY_DATA (no data and not allowed),
 * SEALING_NO_NAME, SEALING_NO_NAMESPACE (strict/namespace-wide without a namespace).
 */
export function sealSecret(input: Secret, options: SealOptions): SealedSecret {
  const rng = options.rng ?? defaultRng;
  const data = input.data ?? {};
  const stringData = input.stringData ?? {};
  if (Object.keys(data).length === 0 && Object.keys(stringData).length === 0 && options.allowEmptyData !== true) {
    throw new KsealError(
      "SEALING_EMPTY_DATA",
      "secret.data is empty in the input Secret, assuming this is an error; use --allow-empty-data to seal it anyway",
    );
  }
  const meta: ObjectMeta = { ...input.metadata };
  if (options.name !== undefined && options.name !== "") meta.name = options.name;
  if (meta.name === undefined || meta.name === "") throw new KsealError("SEALING_NO_NAME", "missing metadata.name in the input Secret");
  if (options.namespace !== undefined && options.namespace !== "") meta.namespace = options.namespace;
  if (options.scope !== undefined && options.scope !== "strict") meta.annotations = withScopeAnnotations(meta.annotations, options.scope);
  const scope = scopeFromAnnotations(meta.annotations);
  if (scope !== "cluster-wide" && (meta.namespace === undefined || meta.namespace === "")) {
    if (options.defaultNamespace === undefined || options.defaultNamespace === "") {
      throw new KsealError("SEALING_NO_NAMESPACE", "the input Secret has no namespace and none could be inferred");
    }
    meta.namespace = options.defaultNamespace;
  }
  const name = meta.name;
  const namespace = meta.namespace ?? "";

  const templateMeta: ObjectMeta = omit<unknown>(meta, [...SERVER_SIDE, "ownerReferences"]);
  if (templateMeta.annotations !== undefined) templateMeta.annotations = omit(templateMeta.annotations, LAST_APPLIED);

  const label = encryptionLabel(namespace, name, scope);
  const items = new Map<string, Buffer>();
  // The input is parsed YAML: a value may be a number or a map whatever the Secret type says.
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) items.set(k, decodeBase64(itemString(v, "data", k), k));
  for (const [k, v] of Object.entries(stringData as Record<string, unknown>)) items.set(k, Buffer.from(itemString(v, "stringData", k), "utf8"));
  const encryptedData: Record<string, string> = {};
  for (const k of [...items.keys()].sort()) {
    encryptedData[k] = hybridEncrypt(rng, options.publicKey, items.get(k) ?? Buffer.alloc(0), label).toString("base64");
  }

  const template: SealedSecretTemplate = { metadata: orderMeta(templateMeta), type: input.type ?? "Opaque" };
  if (input.immutable !== undefined) template.immutable = input.immutable;
  const annotations = withScopeAnnotations({}, scope);
  if (options.fingerprint !== undefined) annotations[ANNOTATION_KEY_HINT] = options.fingerprint;
  const ssMeta: ObjectMeta = { name };
  if (namespace !== "") ssMeta.namespace = namespace;
  if (Object.keys(annotations).length > 0) ssMeta.annotations = annotations;
  return {
    kind: SEALED_SECRET_KIND,
    apiVersion: SEALED_SECRET_API_VERSION,
    metadata: ssMeta,
    spec: { template, encryptedData },
  };
}

/** Seals one raw value (`kubeseal --raw`) and returns its base64 blob. */
export function sealRaw(
  value: Uint8Array,
  options: { publicKey: KeyObject; scope: SealingScope; name: string; namespace: string; rng?: Rng },
): string {
  if (options.scope !== "cluster-wide" && options.namespace === "") {
    throw new KsealError("SEALING_NO_NAMESPACE", "--raw needs --namespace unless the scope is cluster-wide");
  }
  if (options.scope === "strict" && options.name === "") {
    throw new KsealError("SEALING_NO_NAME", "--raw with the strict scope needs --name");
  }
  const label = encryptionLabel(options.namespace, options.name, options.scope);
  return hybridEncrypt(options.rng ?? defaultRng, options.publicKey, value, label).toString("base64");
}

/**
 * `--merge-into`: the original SealedSecret with `update`'s encrypted items, template
 * annotations, labels and template data laid over it (kubeseal's merge).
 */
export function mergeSealedSecrets(orig: SealedSecret, update: SealedSecret): SealedSecret {
  const merged = structuredClone(orig);
  merged.spec.encryptedData = { ...(merged.spec.encryptedData ?? {}), ...(update.spec.encryptedData ?? {}) };
  const um = update.spec.template?.metadata;
  if (um != null) {
    merged.spec.template ??= {};
    merged.spec.template.metadata ??= {};
    const tm = merged.spec.template.metadata;
    if (um.annotations !== undefined) tm.annotations = { ...(tm.annotations ?? {}), ...um.annotations };
    if (um.labels !== undefined) tm.labels = { ...(tm.labels ?? {}), ...um.labels };
  }
  const ud = update.spec.template?.data;
  if (ud != null) {
    merged.spec.template ??= {};
    merged.spec.template.data = { ...(merged.spec.template.data ?? {}), ...ud };
  }
  const hint = update.metadata.annotations?.[ANNOTATION_KEY_HINT];
  if (hint !== undefined) merged.metadata.annotations = { ...(merged.metadata.annotations ?? {}), [ANNOTATION_KEY_HINT]: hint };
  return merged;
}

export interface UnsealOptions {
  /** The template engine for `spec.template.data`; default {@link sealedSecretsRenderer}. */
  readonly render?: TemplateRenderer;
  /** Accept the deprecated v1 `spec.data` (Sealed Secrets' default: yes). */
  readonly acceptV1Data?: boolean;
}

/** The decrypted content of a SealedSecret: its items, or the whole Secret of the v1 format. */
export type OpenedSealedSecret =
  | { readonly kind: "items"; readonly items: ReadonlyMap<string, Buffer> }
  | { readonly kind: "v1"; readonly secret: Secret };

/**
 * The CPU-heavy half of unsealing (RSA decryptions), safe to run in a worker thread: opens every
 * item (or the v1 blob) with the hinted key first, then every key. Throws SEALING_DECRYPT_FAILED
 * (generic; names only the item key), SEALING_INVALID for malformed objects.
 */
export function openSealedSecret(ss: SealedSecret, ring: KeyRing, options: { acceptV1Data?: boolean } = {}): OpenedSealedSecret {
  const name = ss.metadata.name ?? "";
  const namespace = ss.metadata.namespace ?? "";
  const label = encryptionLabel(namespace, name, scopeFromAnnotations(ss.metadata.annotations));
  const keys = ring.candidates(ss.metadata.annotations?.[ANNOTATION_KEY_HINT]);
  if (ss.spec.data === undefined) {
    const items = new Map<string, Buffer>();
    for (const [key, value] of Object.entries(ss.spec.encryptedData ?? {})) {
      if (typeof value !== "string") throw new KsealError("SEALING_INVALID", `encryptedData item "${key}" is not a string`, { details: { key } });
      const blob = decodeBase64(value, key);
      try {
        items.set(key, hybridDecrypt(keys, blob, label));
      } catch {
        throw new KsealError(decryptFailed().code, `no key could decrypt item "${key}"`, { details: { key } });
      }
    }
    return { kind: "items", items };
  }
  if (options.acceptV1Data === false) throw new KsealError("SEALING_V1_REFUSED", "the deprecated spec.data format is disabled");
  if (Object.keys(ss.spec.encryptedData ?? {}).length > 0) {
    throw new KsealError("SEALING_INVALID", "spec.encryptedData and the deprecated spec.data cannot be used together");
  }
  const plaintext = hybridDecrypt(keys, decodeBase64(ss.spec.data, "data"), label);
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext.toString("utf8"));
  } catch {
    throw new KsealError("SEALING_INVALID", "the deprecated spec.data does not hold a Secret");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new KsealError("SEALING_INVALID", "the deprecated spec.data does not hold a Secret");
  }
  const inner = parsed as Partial<Secret>;
  const secret: Secret = { kind: "Secret", apiVersion: "v1", metadata: inner.metadata ?? {} };
  if (inner.immutable !== undefined) secret.immutable = inner.immutable;
  const merged: Record<string, string> = { ...(inner.data ?? {}) };
  for (const [k, v] of Object.entries(inner.stringData ?? {})) merged[k] = Buffer.from(v, "utf8").toString("base64");
  secret.data = merged;
  secret.type = inner.type ?? "Opaque";
  return { kind: "v1", secret };
}

/**
 * The cheap half of unsealing: the Secret the controller should hold, from opened content.
 * Template metadata/type/immutable applied, `template.data` rendered (null deletes an item),
 * name and namespace forced to the SealedSecret's, an owner reference to it unless
 * `skip-set-owner-references: "true"`. Throws SEALING_TEMPLATE_FAILED (template messages carry
 * positions and function names, never values).
 */
export function buildSecret(ss: SealedSecret, opened: OpenedSealedSecret, options: { render?: TemplateRenderer } = {}): Secret {
  const name = ss.metadata.name ?? "";
  const namespace = ss.metadata.namespace ?? "";
  const template = ss.spec.template ?? {};
  // A SealedSecret read from a file (CLI) has no CRD schema behind it: check the shapes used here.
  if (!isMap(template)) throw new KsealError("SEALING_INVALID", "spec.template is not a map");
  for (const field of ["metadata", "data"] as const) {
    if (template[field] !== undefined && template[field] !== null && !isMap(template[field])) {
      throw new KsealError("SEALING_INVALID", `spec.template.${field} is not a map`);
    }
  }
  let secret: Secret;
  if (opened.kind === "items") {
    const data = new Map(opened.items);
    const templateData = template.data ?? {};
    if (Object.keys(templateData).length > 0) {
      const plain: Record<string, Uint8Array> = Object.fromEntries(opened.items);
      const render = options.render ?? sealedSecretsRenderer;
      for (const [key, source] of Object.entries(templateData)) {
        if (source === null) {
          data.delete(key);
          continue;
        }
        try {
          data.set(key, Buffer.from(render(source, plain)));
        } catch (e: unknown) {
          const why = e instanceof KsealError ? `: ${e.message}` : "";
          throw new KsealError("SEALING_TEMPLATE_FAILED", `template.data item "${key}" failed to render${why}`, { cause: e, details: { key } });
        }
      }
    }
    secret = { kind: "Secret", apiVersion: "v1", metadata: structuredClone(template.metadata ?? {}) };
    if (template.immutable !== undefined) secret.immutable = template.immutable;
    secret.data = Object.fromEntries([...data.keys()].sort().map((k) => [k, (data.get(k) ?? Buffer.alloc(0)).toString("base64")]));
    secret.type = template.type ?? "Opaque";
  } else {
    secret = structuredClone(opened.secret);
  }
  for (const key of Object.keys(secret.data ?? {})) {
    // The API server would refuse the Secret with a Status that never reaches the user; say which key.
    if (!SECRET_KEY.test(key) || key.length > 253 || key === "." || key === "..") {
      throw new KsealError("SEALING_INVALID", `item "${key}" is not a valid Secret data key`, { details: { key } });
    }
  }
  secret.metadata.name = name;
  secret.metadata.namespace = namespace;
  if (template.metadata?.annotations?.[ANNOTATION_SKIP_OWNER_REFERENCES] !== "true") {
    secret.metadata.ownerReferences = [
      { apiVersion: ss.apiVersion, kind: ss.kind, name, uid: ss.metadata.uid ?? "", controller: true },
    ];
  }
  secret.metadata = orderMeta(secret.metadata);
  return secret;
}

/**
 * Opens a SealedSecret into the Secret it describes ({@link openSealedSecret} then
 * {@link buildSecret}). Throws as those do.
 */
export function unsealSealedSecret(ss: SealedSecret, ring: KeyRing, options: UnsealOptions = {}): Secret {
  const opened = openSealedSecret(ss, ring, options.acceptV1Data === undefined ? {} : { acceptV1Data: options.acceptV1Data });
  return buildSecret(ss, opened, options.render === undefined ? {} : { render: options.render });
}

function isMap(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function omit<T>(obj: Readonly<Record<string, T>>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}

/** Kubernetes' rule for Secret data keys (IsConfigMapKey). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** An item of `data`/`stringData` as the string it must be; throws SEALING_INVALID naming only the key. */
function itemString(value: unknown, field: string, key: string): string {
  if (typeof value !== "string") throw new KsealError("SEALING_INVALID", `${field} item "${key}" is not a string`, { details: { key } });
  return value;
}

/** Strict base64 decode; throws SEALING_INVALID naming only the item key. */
function decodeBase64(value: string, key: string): Buffer {
  const clean = value.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new KsealError("SEALING_INVALID", `item "${key}" is not valid base64`, { details: { key } });
  }
  return Buffer.from(clean, "base64");
}

/** Metadata with its fields in API order (unknown fields last), empty maps dropped. */
export function orderMeta(meta: ObjectMeta): ObjectMeta {
  const out: ObjectMeta = {};
  const rest = Object.keys(meta).filter((k) => !META_ORDER.includes(k));
  for (const k of [...META_ORDER, ...rest]) {
    const v = meta[k];
    if (v === undefined || v === null || v === "") continue;
    if ((k === "labels" || k === "annotations") && typeof v === "object" && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}
