/**
 * {@link KubeHttp}, kseal's one Kubernetes client: JSON over Node's http/https (transport.ts) for any resource by path,
 * metadata-only lists and watches through the Accept header, merge patches and server-side apply on
 * the status subresource, streaming watches. Where it connects to and as whom comes from a
 * {@link KubeAccess} (see load-kubeconfig.ts).
 *
 * Errors: every non-2xx answer becomes a {@link KsealError} with code `KUBE_API_ERROR` and details
 * `{ status, reason, verb, resource }`; the server's free-text message is NOT copied, because
 * validation messages can quote submitted values. Transport failures become `KUBE_UNREACHABLE`.
 */
import { createInterface } from "node:readline";
import { KsealError } from "../errors.ts";
import type { Credentials, KubeAccess } from "./access.ts";
import { discard, readBody, send, type HttpResponse } from "./transport.ts";

/** The HTTP methods the Kubernetes API serves. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

/** A REST resource: enough to build its URL. `group: ""` is the core group. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Lower-case plural as in the URL (`externalsecrets`, `secrets`). */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** Any object as it comes off the wire; only `metadata` is assumed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
  finalizers?: string[];
  [field: string]: unknown;
}

export interface ObjectList<T extends KubeObject = KubeObject> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** A watch event as the API server streams it. */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** Accept header for a metadata-only list (PartialObjectMetadataList). */
export const METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
/** Accept header for a metadata-only watch or get (each object a PartialObjectMetadata). */
export const METADATA_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

export const SECRETS: ResourceType = { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true };
export const LEASES: ResourceType = {
  group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true,
};
export const EVENTS: ResourceType = {
  group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true,
};
export const DEPLOYMENTS: ResourceType = {
  group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true,
};
export const STATEFULSETS: ResourceType = {
  group: "apps", version: "v1", plural: "statefulsets", kind: "StatefulSet", namespaced: true,
};
export const DAEMONSETS: ResourceType = {
  group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true,
};

/** `apiVersion` of a resource type (`v1`, `apps/v1`). */
export function apiVersionOf(r: ResourceType): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/**
 * The URL path of a collection (no `name`) or an object, optionally a subresource. A namespaced
 * type without `namespace` addresses all namespaces (lists and watches only).
 */
export function resourcePath(
  r: ResourceType,
  at: { readonly namespace?: string | undefined; readonly name?: string | undefined; readonly subresource?: string } = {},
): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = r.namespaced && at.namespace !== undefined && at.namespace !== "" ? `/namespaces/${encodeURIComponent(at.namespace)}` : "";
  let path = `${base}${ns}/${r.plural}`;
  if (at.name !== undefined) path += `/${encodeURIComponent(at.name)}`;
  if (at.subresource !== undefined) path += `/${at.subresource}`;
  return path;
}

/** HTTP status of a Kubernetes API failure (from {@link KubeHttp} or client-node), if any. */
export function statusOf(e: unknown): number | undefined {
  if (e instanceof KsealError) {
    const s = e.details.status;
    return typeof s === "number" ? s : undefined;
  }
  if (typeof e === "object" && e !== null) {
    const rec = e as { code?: unknown; statusCode?: unknown };
    if (typeof rec.code === "number") return rec.code;
    if (typeof rec.statusCode === "number") return rec.statusCode;
  }
  return undefined;
}

export const isNotFound = (e: unknown): boolean => statusOf(e) === 404;
export const isConflict = (e: unknown): boolean => statusOf(e) === 409;
export const isGone = (e: unknown): boolean => statusOf(e) === 410;

type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
  readonly signal?: AbortSignal;
}

export interface ListOptions {
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** Page size; pages are followed until the end. Default 500. */
  readonly limit?: number;
  /** Return PartialObjectMetadata (no data/spec) — for Secrets. */
  readonly metadataOnly?: boolean;
  readonly signal?: AbortSignal;
}

export interface WatchOptions {
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  readonly resourceVersion?: string | undefined;
  readonly metadataOnly?: boolean;
  /** Server-side end of the watch. Default 300 s. */
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

export interface PatchOptions {
  readonly subresource?: "status";
  readonly fieldManager?: string;
  /** Server-side apply only: take over conflicting fields. Default true. */
  readonly force?: boolean;
}

/** A 2xx answer of {@link KubeHttp.request}, its body not yet read: read it once, or discard it. */
export interface KubeResponse {
  readonly status: number;
  text(): Promise<string>;
  /** Drops the body so that the connection can be reused. */
  discard(): Promise<void>;
}

/** How long credentials are reused before the {@link KubeAccess} is asked again. */
const AUTH_TTL_MS = 10_000;

/**
 * A JSON client of the API server that `access` describes. Credentials are renewed every few
 * seconds (tokens rotate); one keep-alive connection pool is reused.
 */
export class KubeHttp {
  readonly access: KubeAccess;
  #auth: { readonly at: number; readonly credentials: Promise<Credentials> } | undefined;

  constructor(access: KubeAccess) {
    this.access = access;
  }

  /**
   * The credentials, asked of the access at most every AUTH_TTL_MS: reading a token file (or
   * running a credential plugin) per request dominated the CPU of bursts of thousands of writes,
   * while rotated tokens (kubelet refreshes projected tokens well before they expire) are still
   * picked up within seconds.
   */
  #credentials(): Promise<Credentials> {
    const now = performance.now();
    if (this.#auth !== undefined && now - this.#auth.at < AUTH_TTL_MS) return this.#auth.credentials;
    // The pending read is what is cached, so a burst of requests shares one; a failed read is
    // dropped so the next request tries again.
    const credentials = this.access.credentials();
    this.#auth = { at: now, credentials };
    credentials.catch(() => {
      if (this.#auth?.credentials === credentials) this.#auth = undefined;
    });
    return credentials;
  }

  /**
   * Sends one request with the credentials applied ({@link #credentials}) over the shared
   * connection pool, the body as JSON. Returns the response for 2xx (its body a Node stream the
   * caller must consume); throws `KUBE_API_ERROR` for any other status and `KUBE_UNREACHABLE`
   * when the server cannot be reached (an abort through `options.signal` is rethrown as is).
   */
  async #send(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const url = new URL(this.access.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const { headers: auth, agent } = await this.#credentials();
    const headers: Record<string, string | readonly string[]> = { ...auth, accept: options.accept ?? "application/json" };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = options.contentType ?? "application/json";
    }
    let res: HttpResponse;
    try {
      res = await send(url, {
        method, headers, agent,
        ...(body === undefined ? {} : { body }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (e: unknown) {
      if (options.signal?.aborted === true) throw e;
      throw unreachable(method, e);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    this.#refused(res.statusCode);
    throw apiError(method, path, res.statusCode, await statusReason(async () => JSON.parse((await readBody(res)).toString("utf8")) as unknown));
  }

  /**
   * A 401 means the cached credentials stopped working (a token revoked or rotated early, an exec
   * plugin's credential expired): the next request reads them again instead of waiting out
   * AUTH_TTL_MS, as client-go refreshes a plugin's credential on 401.
   */
  #refused(status: number): void {
    if (status === 401) this.#auth = undefined;
  }

  /** Sends one request; returns the 2xx response with its body unread, throws `KUBE_API_ERROR` otherwise. */
  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<KubeResponse> {
    const res = await this.#send(method, path, options);
    return {
      status: res.statusCode,
      text: async () => (await readBody(res)).toString("utf8"),
      discard: () => discard(res),
    };
  }

  /** {@link request} and parse the JSON body. */
  async json<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.#send(method, path, options);
    return JSON.parse((await readBody(res)).toString("utf8")) as T;
  }

  /** Lists every page. The list's resourceVersion is the one of the LAST page (a consistent snapshot). */
  async list<T extends KubeObject = KubeObject>(r: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.json<ObjectList<T>>("GET", resourcePath(r, { namespace: options.namespace }), {
        query: {
          limit: options.limit ?? 500,
          continue: cont,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
        },
        ...(options.metadataOnly === true ? { accept: METADATA_LIST_ACCEPT } : {}),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      // An empty PartialObjectMetadataList arrives with `items: null`.
      items.push(...(page.items as T[] | null ?? []));
      rv = page.metadata?.resourceVersion;
      cont = page.metadata?.continue === "" ? undefined : page.metadata?.continue;
    } while (cont !== undefined);
    return { metadata: rv === undefined ? {} : { resourceVersion: rv }, items };
  }

  /** Reads one object; null when it does not exist. */
  async get<T extends KubeObject = KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T | null> {
    try {
      return await this.json<T>("GET", resourcePath(r, { namespace, name }));
    } catch (e: unknown) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async create<T extends KubeObject = KubeObject>(r: ResourceType, namespace: string | undefined, body: KubeObject): Promise<T> {
    return this.json<T>("POST", resourcePath(r, { namespace }), { body });
  }

  /** Replaces an object (PUT); a stale `metadata.resourceVersion` fails with 409. */
  async replace<T extends KubeObject = KubeObject>(r: ResourceType, namespace: string | undefined, name: string, body: KubeObject): Promise<T> {
    return this.json<T>("PUT", resourcePath(r, { namespace, name }), { body });
  }

  /**
   * Deletes an object; false when it was already gone. With `resourceVersion`, the delete carries
   * it as a precondition: an object changed since it was read is not deleted (409).
   */
  async delete(r: ResourceType, namespace: string | undefined, name: string, options: { readonly resourceVersion?: string } = {}): Promise<boolean> {
    const rv = options.resourceVersion;
    const body = rv === undefined || rv === "" ? undefined : { apiVersion: "v1", kind: "DeleteOptions", preconditions: { resourceVersion: rv } };
    try {
      await discard(await this.#send("DELETE", resourcePath(r, { namespace, name }), body === undefined ? {} : { body }));
      return true;
    } catch (e: unknown) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /** JSON merge patch (RFC 7386) of the object or its status subresource. */
  async mergePatch<T extends KubeObject = KubeObject>(
    r: ResourceType, namespace: string | undefined, name: string, patch: unknown, options: PatchOptions = {},
  ): Promise<T> {
    return this.json<T>("PATCH", resourcePath(r, { namespace, name, ...(options.subresource === undefined ? {} : { subresource: options.subresource }) }), {
      body: patch,
      contentType: "application/merge-patch+json",
      query: { fieldManager: options.fieldManager },
    });
  }

  /** Server-side apply of `obj` (JSON is valid YAML) as `fieldManager` (default `kseal`). */
  async apply<T extends KubeObject = KubeObject>(
    r: ResourceType, namespace: string | undefined, name: string, obj: KubeObject, options: PatchOptions = {},
  ): Promise<T> {
    return this.json<T>("PATCH", resourcePath(r, { namespace, name, ...(options.subresource === undefined ? {} : { subresource: options.subresource }) }), {
      body: obj,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: options.fieldManager ?? "kseal", force: options.force ?? true },
    });
  }

  /**
   * Streams one watch: resolves when the server ends it (timeout) or the signal aborts, throws on
   * a non-2xx answer or a broken stream. `ERROR` events are passed to `onEvent` like the others.
   */
  async watch<T extends KubeObject = KubeObject>(
    r: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void> {
    const res = await this.#send("GET", resourcePath(r, { namespace: options.namespace }), {
      query: {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: options.resourceVersion,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: options.timeoutSeconds ?? 300,
      },
      ...(options.metadataOnly === true ? { accept: METADATA_ACCEPT } : {}),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const body = res;
    const lines = createInterface({ input: body, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line === "") continue;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch (e: unknown) {
          throw new KsealError("KUBE_WATCH_DECODE", `undecodable watch event for ${r.plural}`, { cause: e });
        }
        onEvent(event);
      }
    } catch (e: unknown) {
      if (options.signal?.aborted === true) return;
      throw e instanceof KsealError ? e : new KsealError("KUBE_WATCH_BROKEN", `watch of ${r.plural} broke`, { cause: e });
    } finally {
      // Destroying a body the server has not finished emits an abort error, which the (already
      // closed) line reader re-emits with nobody listening: an unheard 'error' event ends the
      // process. The watch's outcome is already decided here, so the error is not news.
      lines.on("error", () => undefined);
      body.on("error", () => undefined);
      body.destroy();
    }
  }
}

function unreachable(method: HttpMethod, cause: unknown): KsealError {
  const verb = method.toLowerCase();
  return new KsealError("KUBE_UNREACHABLE", `cannot reach the Kubernetes API (${verb})`, { cause, details: { verb } });
}

/** The `reason` of a refusal's Status body; "" for a non-Status body (the HTTP code says enough). */
async function statusReason(json: () => Promise<unknown>): Promise<string> {
  try {
    const status = (await json()) as { reason?: unknown };
    return typeof status.reason === "string" ? status.reason : "";
  } catch {
    return "";
  }
}

function apiError(method: HttpMethod, path: string, status: number, reason: string): KsealError {
  const verb = method.toLowerCase();
  return new KsealError(
    "KUBE_API_ERROR",
    `Kubernetes API ${verb} ${resourceOfPath(path)} failed: ${String(status)}${reason === "" ? "" : ` ${reason}`}`,
    { details: { status, reason, verb, resource: resourceOfPath(path) } },
  );
}

function resourceOfPath(path: string): string {
  const parts = path.split("?")[0]?.split("/").filter((p) => p !== "") ?? [];
  // /api/v1/namespaces/ns/secrets/name → secrets; /apis/g/v/plural → plural
  const start = parts[0] === "api" ? 2 : 3;
  const rest = parts.slice(start);
  const i = rest[0] === "namespaces" && rest.length > 2 ? 2 : 0;
  return rest[i] ?? "namespaces";
}
