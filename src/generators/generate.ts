/**
 * From an ExternalSecret's `dataFrom[].sourceRef.generatorRef` to Secret data, as ESO's
 * resolvers.GeneratorRef + Generate do: the reference must name the `generators.external-secrets.io`
 * group; `Password` and `UUID` are read from the ExternalSecret's namespace, `ClusterGenerator`
 * (cluster-scoped) is read and its `spec.generator.<kind>Spec` used as a namespaced generator of
 * `spec.kind` would be. The generator object is read on demand (no watch); nothing is stored: like
 * ESO without generator state, every call produces new values.
 *
 * Failure semantics: a kind kseal does not implement throws GENERATOR_UNSUPPORTED naming the kind
 * (before any read, so a missing CRD for it is not the error reported); a missing object throws
 * GENERATOR_NOT_FOUND; a malformed spec GENERATOR_INVALID_SPEC. Messages hold names only.
 */
import { randomUUID } from "node:crypto";
import { KsealError } from "../errors.ts";
import { isRecord } from "../support/record.ts";
import { cryptoRandomInt, GeneratorErrorCode, generatePassword, parsePasswordSpec, type RandomInt } from "./password.ts";

export const GENERATOR_GROUP = "generators.external-secrets.io";
export const GENERATOR_VERSION = "v1alpha1";

/** The kinds kseal generates, and the ClusterGenerator wrapper. */
export const SUPPORTED_GENERATOR_KINDS = ["Password", "UUID", "ClusterGenerator"] as const;

export interface GeneratorReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/** Reads one generator object; undefined when it does not exist (404). */
export interface GeneratorReadPort {
  /** `plural` is `passwords`, `uuids` or `clustergenerators`; `namespace` undefined = cluster-scoped. */
  read(plural: string, namespace: string | undefined, name: string): Promise<unknown>;
}

function unsupported(kind: string, where: string): KsealError {
  return new KsealError(
    GeneratorErrorCode.Unsupported,
    `${where} kind "${kind}" is not supported by kseal (supported: Password, UUID, ClusterGenerator of Password or UUID)`,
    { details: { kind } },
  );
}

/** Generates from a leaf kind and its spec (Password or UUID). */
export function generateFromSpec(kind: string, spec: unknown, rng: RandomInt = cryptoRandomInt): Record<string, Uint8Array> {
  if (kind === "Password") return generatePassword(parsePasswordSpec(spec), rng);
  // ESO's UUID generator: google/uuid New(), a random (version 4) UUID, under the key `uuid`.
  if (kind === "UUID") return { uuid: new TextEncoder().encode(randomUUID()) };
  throw unsupported(kind, "generator");
}

/**
 * Resolves `ref` in `namespace` and generates. Throws as the module contract says.
 */
export async function generate(ref: GeneratorReference, namespace: string, reads: GeneratorReadPort, rng: RandomInt = cryptoRandomInt): Promise<Record<string, Uint8Array>> {
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.slice(0, ref.apiVersion.indexOf("/")) : "";
  if (group !== GENERATOR_GROUP) {
    throw new KsealError(GeneratorErrorCode.Unsupported, `generatorRef may only reference the ${GENERATOR_GROUP} group`, { details: { apiVersion: ref.apiVersion } });
  }
  const notFound = (what: string): KsealError =>
    new KsealError(GeneratorErrorCode.NotFound, `${what} "${ref.name}" not found`, { details: { kind: ref.kind, name: ref.name } });
  if (ref.kind === "Password" || ref.kind === "UUID") {
    const obj = await reads.read(ref.kind === "Password" ? "passwords" : "uuids", namespace, ref.name);
    if (obj === undefined) throw notFound(ref.kind);
    return generateFromSpec(ref.kind, isRecord(obj) ? obj.spec : undefined, rng);
  }
  if (ref.kind !== "ClusterGenerator") throw unsupported(ref.kind, "generatorRef");
  const obj = await reads.read("clustergenerators", undefined, ref.name);
  if (obj === undefined) throw notFound("ClusterGenerator");
  const spec = isRecord(obj) && isRecord(obj.spec) ? obj.spec : {};
  const kind = typeof spec.kind === "string" ? spec.kind : "";
  if (kind !== "Password" && kind !== "UUID") throw unsupported(kind, `ClusterGenerator "${ref.name}"`);
  const field = kind === "Password" ? "passwordSpec" : "uuidSpec";
  const inner = isRecord(spec.generator) ? spec.generator[field] : undefined;
  if (!isRecord(inner)) {
    throw new KsealError(GeneratorErrorCode.InvalidSpec, `ClusterGenerator "${ref.name}": when kind is ${kind}, spec.generator.${field} must be set`, {
      details: { name: ref.name, kind },
    });
  }
  return generateFromSpec(kind, inner, rng);
}
