/**
 * The shape of one bad-input case, shared by every corpus-*.ts table and the runner (bench.ts).
 *
 * A case is data: the object to apply (or a builder that needs the running cluster's context —
 * a sealing certificate, an age recipient), why it is bad, and what must happen instead of a
 * crash or a changed Secret.
 */

/** The custom resource kinds the corpus applies, with where they live and their condition type. */
export interface KindInfo {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** The condition that reports failure: `Ready` (ESO, SopsSecret) or `Synced` (Bitnami). */
  readonly conditionType: string;
}

export const KINDS = {
  ExternalSecret: { group: "external-secrets.io", version: "v1", plural: "externalsecrets", namespaced: true, conditionType: "Ready" },
  SecretStore: { group: "external-secrets.io", version: "v1", plural: "secretstores", namespaced: true, conditionType: "Ready" },
  ClusterSecretStore: { group: "external-secrets.io", version: "v1", plural: "clustersecretstores", namespaced: false, conditionType: "Ready" },
  SealedSecret: { group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets", namespaced: true, conditionType: "Synced" },
  SopsSecret: { group: "kseal.dev", version: "v1alpha1", plural: "sopssecrets", namespaced: true, conditionType: "Ready" },
} as const satisfies Record<string, KindInfo>;

export type KindName = keyof typeof KINDS;

export type Expect =
  /** The API server refuses the object (schema, enum, pattern, CEL); its message names the field. */
  | { readonly kind: "rejected"; readonly message: string | RegExp }
  /**
   * Accepted; the operator reports it: the kind's condition is False with this reason (when the
   * kind has reasons) and a message matching `message`; a Warning event with reason `event`
   * (when the kind records events for this failure).
   */
  | { readonly kind: "condition"; readonly reason?: string; readonly message: string | RegExp; readonly event?: string };

export type Manifest = Record<string, unknown>;

export interface BadCase<C> {
  /** Unique in its corpus; also the object's metadata.name unless the manifest sets one. */
  readonly name: string;
  /** Why it is bad (and where kseal deliberately matches ESO / Bitnami / SOPS). */
  readonly why: string;
  readonly object: Manifest | ((ctx: C) => Manifest | Promise<Manifest>);
  readonly expect: Expect;
  /**
   * A Secret created before the case is applied that must stay byte-for-byte and
   * resourceVersion-identical. Defaults to the case's name for `condition` cases; null for none
   * (when a pre-existing Secret would itself be the first error reported).
   */
  readonly guard?: string | null;
  /** Plaintexts this case carries that must never show in a log line, event or status. */
  readonly canaries?: readonly string[];
}

/** The kind of a manifest, checked against the corpus kinds. */
export function kindOf(m: Manifest): KindName {
  const k = m.kind;
  if (typeof k === "string" && Object.hasOwn(KINDS, k)) return k as KindName;
  throw new Error(`corpus manifest has unsupported kind ${JSON.stringify(k)}`);
}

/** A distinctive plaintext per case: it must never be seen outside the encrypted object. */
export function canary(family: string, name: string): string {
  return `CANARY-${family}-${name}-7f3a9c`;
}
