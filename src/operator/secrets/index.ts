/**
 * The one place kseal writes Secrets. Callers decide *what* (a {@link SecretWrite} from their pure
 * plan, already diffed so an unchanged Secret is never written); this module does the I/O with
 * optimistic concurrency: updates carry the observed `resourceVersion` and deletes a precondition,
 * so a concurrent edit makes the write fail with SECRET_WRITE_CONFLICT (the queue retries) instead
 * of clobbering it. Errors name the Secret and the HTTP status, never data.
 */
import { SECRETS, statusOf, type KubeHttp, type KubeObject } from "../../kube/client.ts";
import { KsealError } from "../../errors.ts";

/** A Secret as JSON on the wire (what the API server returns and accepts). */
export interface SecretObject extends KubeObject {
  type?: string;
  immutable?: boolean;
  /** Values base64-encoded, as on the wire. */
  data?: Record<string, string>;
}

/** A Secret body to create or replace. */
export interface DesiredSecret {
  readonly name: string;
  readonly namespace: string;
  readonly type: string;
  readonly immutable: boolean;
  readonly data: Readonly<Record<string, Uint8Array>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ownerReference?: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    readonly uid: string;
    readonly controller: true;
    readonly blockOwnerDeletion: true;
  };
}

/** A Secret as observed (data decoded to bytes). */
export interface ObservedSecret {
  readonly name: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly type: string;
  readonly immutable: boolean;
  readonly data: Readonly<Record<string, Uint8Array>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly ownerReferences: readonly { readonly uid: string; readonly kind: string; readonly name: string; readonly controller?: boolean }[];
}

export type SecretWrite =
  | { readonly kind: "create"; readonly secret: DesiredSecret }
  | { readonly kind: "update"; readonly secret: DesiredSecret; readonly resourceVersion: string }
  | { readonly kind: "delete"; readonly namespace: string; readonly name: string; readonly resourceVersion: string };

/** The Secret API as kseal uses it; {@link httpSecretPort} binds it to the API server. */
export interface SecretPort {
  /** Undefined when the Secret does not exist. */
  read(namespace: string, name: string): Promise<SecretObject | undefined>;
  create(namespace: string, body: SecretObject): Promise<SecretObject>;
  replace(namespace: string, name: string, body: SecretObject): Promise<SecretObject>;
  delete(namespace: string, name: string, resourceVersion: string): Promise<void>;
}

export const SecretWriteError = {
  Conflict: "SECRET_WRITE_CONFLICT",
  Failed: "SECRET_WRITE_FAILED",
} as const;

function wrap(e: unknown, op: string, namespace: string, name: string): KsealError {
  const status = statusOf(e) ?? 0;
  // kseal's own errors pass through, except the API client's, which become this module's codes.
  if (e instanceof KsealError && status === 0 && e.code !== "KUBE_UNREACHABLE") return e;
  const code = status === 409 || status === 412 ? SecretWriteError.Conflict : SecretWriteError.Failed;
  return new KsealError(code, `${op} of Secret ${namespace}/${name} failed (HTTP ${status})`, { cause: e, details: { namespace, name, status } });
}

export function httpSecretPort(http: KubeHttp): SecretPort {
  return {
    async read(namespace, name) {
      try {
        return (await http.get<SecretObject>(SECRETS, namespace, name)) ?? undefined;
      } catch (e: unknown) {
        throw wrap(e, "read", namespace, name);
      }
    },
    create: async (namespace, body) => await http.create<SecretObject>(SECRETS, namespace, body),
    replace: async (namespace, name, body) => await http.replace<SecretObject>(SECRETS, namespace, name, body),
    async delete(namespace, name, resourceVersion) {
      await http.delete(SECRETS, namespace, name, { resourceVersion });
    },
  };
}

/** A Secret from the API → the observed form. */
export function toObserved(s: SecretObject): ObservedSecret {
  const data: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) data[k] = new Uint8Array(Buffer.from(v, "base64"));
  const md = s.metadata ?? {};
  return {
    name: md.name ?? "",
    ...(md.uid === undefined ? {} : { uid: md.uid }),
    ...(md.resourceVersion === undefined ? {} : { resourceVersion: md.resourceVersion }),
    type: s.type ?? "Opaque",
    immutable: s.immutable === true,
    data,
    labels: md.labels ?? {},
    annotations: md.annotations ?? {},
    ownerReferences: (md.ownerReferences ?? []).map((r) => ({ uid: r.uid, kind: r.kind, name: r.name, ...(r.controller === undefined ? {} : { controller: r.controller }) })),
  };
}

function toBody(d: DesiredSecret, resourceVersion?: string): SecretObject {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.data)) data[k] = Buffer.from(v).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: d.name,
      namespace: d.namespace,
      labels: { ...d.labels },
      annotations: { ...d.annotations },
      ...(resourceVersion === undefined || resourceVersion === "" ? {} : { resourceVersion }),
      ...(d.ownerReference === undefined ? {} : { ownerReferences: [{ ...d.ownerReference }] }),
    },
    type: d.type,
    ...(d.immutable ? { immutable: true } : {}),
    data,
  };
}

/** Performs one planned write. Returns the resulting resourceVersion ("" after a delete). */
export async function writeSecret(port: SecretPort, w: SecretWrite): Promise<string> {
  if (w.kind === "delete") {
    try {
      await port.delete(w.namespace, w.name, w.resourceVersion);
    } catch (e: unknown) {
      if (statusOf(e) === 404) return "";
      throw wrap(e, "delete", w.namespace, w.name);
    }
    return "";
  }
  const { namespace, name } = w.secret;
  try {
    const res = w.kind === "create" ? await port.create(namespace, toBody(w.secret)) : await port.replace(namespace, name, toBody(w.secret, w.resourceVersion));
    return res.metadata?.resourceVersion ?? "";
  } catch (e: unknown) {
    throw wrap(e, w.kind, namespace, name);
  }
}
