/**
 * Sealing scopes and the RSA-OAEP labels that enforce them (Sealed Secrets' rules):
 * strict → `"<namespace>/<name>"`, namespace-wide → `"<namespace>"`, cluster-wide → `""`.
 * The scope of a SealedSecret is read from its own metadata annotations; only the value `"true"`
 * counts, and cluster-wide wins over namespace-wide.
 */
import { KsealError } from "../errors.ts";

export type SealingScope = "strict" | "namespace-wide" | "cluster-wide";

export const SCOPES: readonly SealingScope[] = ["strict", "namespace-wide", "cluster-wide"];

export const ANNOTATION_CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide";
export const ANNOTATION_NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide";

/** The label bytes for a scope. */
export function encryptionLabel(namespace: string, name: string, scope: SealingScope): Buffer {
  switch (scope) {
    case "cluster-wide":
      return Buffer.alloc(0);
    case "namespace-wide":
      return Buffer.from(namespace, "utf8");
    case "strict":
      return Buffer.from(`${namespace}/${name}`, "utf8");
  }
}

/** The scope annotated on an object's metadata (strict when neither annotation is `"true"`). */
export function scopeFromAnnotations(annotations: Readonly<Record<string, string>> | null | undefined): SealingScope {
  if (annotations?.[ANNOTATION_CLUSTER_WIDE] === "true") return "cluster-wide";
  if (annotations?.[ANNOTATION_NAMESPACE_WIDE] === "true") return "namespace-wide";
  return "strict";
}

/** A copy of `annotations` whose scope annotations say exactly `scope` (strict = neither). */
export function withScopeAnnotations(
  annotations: Readonly<Record<string, string>> | null | undefined,
  scope: SealingScope,
): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(
    Object.entries(annotations ?? {}).filter(([k]) => k !== ANNOTATION_CLUSTER_WIDE && k !== ANNOTATION_NAMESPACE_WIDE),
  );
  if (scope === "namespace-wide") out[ANNOTATION_NAMESPACE_WIDE] = "true";
  if (scope === "cluster-wide") out[ANNOTATION_CLUSTER_WIDE] = "true";
  return out;
}

/** Parses a `--scope` value; `""` is the default (strict). Throws CLI-safe SEALING_BAD_SCOPE. */
export function parseScope(value: string): SealingScope {
  if (value === "") return "strict";
  if ((SCOPES as readonly string[]).includes(value)) return value as SealingScope;
  throw new KsealError("SEALING_BAD_SCOPE", "scope must be one of: strict, namespace-wide, cluster-wide");
}
