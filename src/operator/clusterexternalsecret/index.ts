/**
 * ClusterExternalSecret: an ExternalSecret in every selected namespace.
 *
 * Selection (as ESO): `namespaces` by name, OR any of `namespaceSelectors` (plus the deprecated
 * `namespaceSelector`); nothing set selects nothing. {@link planFanOut} decides purely which
 * namespaces get an ExternalSecret and which lose theirs (a namespace that stopped matching); the
 * reconcile creates/updates them with an owner reference to the ClusterExternalSecret, refuses to
 * take over an ExternalSecret it does not own (reported in failedNamespaces), deletes those of
 * namespaces that no longer match, and writes status once. As ESO's CreateOrUpdate, an
 * ExternalSecret that already says what it should is not written again, and an unchanged status is
 * not patched: a ClusterExternalSecret's periodic reconcile (`refreshTime`) costs reads, not writes.
 */
import { KsealError, safeMessage } from "../../errors.ts";
import type { Outcome } from "../../kube/outcome.ts";
import { ok, retry, terminal } from "../../kube/outcome.ts";
import { parseClusterExternalSecret } from "../externalsecret/parse.ts";
import type { ClusterExternalSecret } from "../externalsecret/types.ts";
import { ANNOTATION_FORCE_SYNC, API_VERSION } from "../externalsecret/types.ts";
import { selectorMatches, type NamespaceInfo } from "../secretstore/index.ts";
import { canonicalJson } from "../../support/canonical-json.ts";

/** Label on each generated ExternalSecret naming its ClusterExternalSecret. */
export const LABEL_CES_OWNER = "externalsecrets.external-secrets.io/owner";
export const REASON_ALREADY_EXISTS = "external secret already exists in namespace";

export interface FanOutPlan {
  readonly esName: string;
  /** Namespaces that must have the ExternalSecret, sorted. */
  readonly ensure: readonly string[];
  /** Namespaces provisioned before that no longer match, sorted. */
  readonly remove: readonly string[];
}

/** Pure: does the ClusterExternalSecret select this namespace? */
export function selects(ces: ClusterExternalSecret, ns: NamespaceInfo): boolean {
  if (ces.spec.namespaces.includes(ns.name)) return true;
  return ces.spec.namespaceSelectors.some((s) => selectorMatches(s, ns.labels));
}

/** Pure: which namespaces get the ExternalSecret and which lose it. Terminating namespaces are skipped. */
export function planFanOut(ces: ClusterExternalSecret, namespaces: readonly (NamespaceInfo & { readonly terminating?: boolean })[]): FanOutPlan {
  const ensure = namespaces.filter((n) => n.terminating !== true && selects(ces, n)).map((n) => n.name).sort();
  const keep = new Set(ensure);
  const before = new Set([...(ces.status.provisionedNamespaces ?? []), ...(ces.status.failedNamespaces ?? []).map((f) => f.namespace)]);
  const remove = [...before].filter((n) => !keep.has(n)).sort();
  return { esName: ces.spec.externalSecretName ?? ces.metadata.name, ensure, remove };
}

/** Pure: the ExternalSecret body for one namespace. */
export function externalSecretFor(ces: ClusterExternalSecret, namespace: string): Record<string, unknown> {
  const annotations: Record<string, string> = { ...ces.spec.externalSecretMetadata.annotations };
  const force = ces.metadata.annotations?.[ANNOTATION_FORCE_SYNC];
  if (force !== undefined) annotations[ANNOTATION_FORCE_SYNC] = force;
  return {
    apiVersion: API_VERSION,
    kind: "ExternalSecret",
    metadata: {
      name: ces.spec.externalSecretName ?? ces.metadata.name,
      namespace,
      labels: { ...ces.spec.externalSecretMetadata.labels, [LABEL_CES_OWNER]: ces.metadata.name },
      annotations,
      ownerReferences: [
        { apiVersion: API_VERSION, kind: "ClusterExternalSecret", name: ces.metadata.name, uid: ces.metadata.uid ?? "", controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: ces.spec.externalSecretSpec,
  };
}

export interface ExistingEs {
  readonly resourceVersion: string;
  readonly ownerUids: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: unknown;
}

/**
 * Pure: does the existing ExternalSecret already carry what {@link externalSecretFor} would write
 * (labels, annotations and spec exactly; the caller has checked the owner)? A spec the API server
 * defaulted differently from the ClusterExternalSecret's copy compares unequal and is rewritten —
 * the safe side.
 */
export function externalSecretUpToDate(existing: ExistingEs, body: Record<string, unknown>): boolean {
  const md = body.metadata as { labels?: unknown; annotations?: unknown };
  return canonicalJson(existing.labels) === canonicalJson(md.labels ?? {})
    && canonicalJson(existing.annotations) === canonicalJson(md.annotations ?? {})
    && canonicalJson(existing.spec) === canonicalJson(body.spec);
}

/**
 * Pure: the status to write, and whether it differs from `previous` (the object's current status).
 * The condition has type, status and message only: ESO's ClusterExternalSecret condition has no
 * lastTransitionTime, and its CRD (ours is the same) prunes one.
 */
export function nextCesStatus(
  previous: unknown, esName: string, provisioned: readonly string[], failed: readonly { namespace: string; reason: string }[],
): { status: Record<string, unknown>; changed: boolean } {
  const allOk = failed.length === 0;
  const status: Record<string, unknown> = {
    externalSecretName: esName,
    provisionedNamespaces: provisioned,
    failedNamespaces: failed,
    conditions: [{ type: "Ready", status: allOk ? "True" : "False", message: allOk ? "all namespaces provisioned" : "one or more namespaces failed" }],
  };
  const before = (typeof previous === "object" && previous !== null ? previous : {}) as Record<string, unknown>;
  const same = Object.keys(status).every((k) => canonicalJson(before[k] ?? null) === canonicalJson(status[k]));
  return { status, changed: !same };
}

export interface CesPorts {
  listNamespaces(): Promise<(NamespaceInfo & { terminating?: boolean })[]>;
  getExternalSecret(namespace: string, name: string): Promise<ExistingEs | undefined>;
  createExternalSecret(namespace: string, body: Record<string, unknown>): Promise<void>;
  replaceExternalSecret(namespace: string, name: string, body: Record<string, unknown>): Promise<void>;
  deleteExternalSecret(namespace: string, name: string): Promise<void>;
  writeStatus(name: string, status: Record<string, unknown>): Promise<void>;
}

/** Reconciles one ClusterExternalSecret; comes back after `spec.refreshTime` (default 1m). */
export async function reconcileClusterExternalSecret(raw: unknown, ports: CesPorts): Promise<Outcome> {
  let ces: ClusterExternalSecret;
  try {
    ces = parseClusterExternalSecret(raw);
  } catch (e: unknown) {
    return terminal(e instanceof Error ? e : new Error("invalid ClusterExternalSecret"));
  }
  if (ces.metadata.deletionTimestamp !== undefined) return ok();
  try {
    const plan = planFanOut(ces, await ports.listNamespaces());
    const provisioned: string[] = [];
    const failed: { namespace: string; reason: string }[] = [];
    const mine = (e: ExistingEs): boolean => ces.metadata.uid !== undefined && e.ownerUids.includes(ces.metadata.uid);
    for (const ns of plan.ensure) {
      try {
        const existing = await ports.getExternalSecret(ns, plan.esName);
        const body = externalSecretFor(ces, ns);
        if (existing === undefined) await ports.createExternalSecret(ns, body);
        else if (!mine(existing)) {
          failed.push({ namespace: ns, reason: REASON_ALREADY_EXISTS });
          continue;
        } else if (!externalSecretUpToDate(existing, body)) {
          const md = body.metadata as Record<string, unknown>;
          await ports.replaceExternalSecret(ns, plan.esName, { ...body, metadata: { ...md, resourceVersion: existing.resourceVersion } });
        }
        provisioned.push(ns);
      } catch (e: unknown) {
        failed.push({ namespace: ns, reason: safeMessage(e) });
      }
    }
    // Namespaces that stopped matching: delete the ExternalSecrets this CES created there.
    for (const ns of plan.remove) {
      const existing = await ports.getExternalSecret(ns, plan.esName);
      if (existing !== undefined && mine(existing)) await ports.deleteExternalSecret(ns, plan.esName);
    }
    const allOk = failed.length === 0;
    const next = nextCesStatus((raw as { status?: unknown }).status, plan.esName, provisioned, failed);
    if (next.changed) await ports.writeStatus(ces.metadata.name, next.status);
    return allOk ? ok(ces.spec.refreshTimeMs) : retry(new KsealError("CES_NAMESPACES_FAILED", `${String(failed.length)} namespace(s) failed`), ces.spec.refreshTimeMs);
  } catch (e: unknown) {
    return retry(e instanceof Error ? e : new Error(safeMessage(e)));
  }
}
