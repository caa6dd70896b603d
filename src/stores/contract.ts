/**
 * The one contract every secret store implements, modelled on ESO's Provider / SecretsClient pair.
 *
 * Failure semantics, for every method:
 * - the key does not exist → throws {@link SecretNotFoundError} (drives `deletionPolicy`);
 * - anything else that fails → throws a {@link KsealError} with one of {@link StoreErrorCode};
 *   its message names keys and stores but never a value, request id or timestamp.
 * Values are bytes, as in ESO (`[]byte`): decoding/conversion strategies are applied by the engine.
 */
import { KsealError } from "../errors.ts";

/** ESO `remoteRef` as a provider sees it. */
export interface RemoteRef {
  readonly key: string;
  /** A gjson path into a JSON value (ESO semantics: exact key first, then the gjson path). */
  readonly property?: string;
  readonly version?: string;
  /** `Fetch` reads the secret's metadata/tags/labels instead of its value. */
  readonly metadataPolicy?: "None" | "Fetch";
}

/** ESO `dataFrom[].find` as a provider sees it. At least one of name/tags/path is set. */
export interface FindSpec {
  readonly path?: string;
  /** An RE2-style regular expression on the secret name. */
  readonly name?: { readonly regexp: string };
  /** Tags/labels/custom-metadata that must all match exactly. */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ValidationResult {
  readonly ready: boolean;
  /** ESO store reasons: `Valid`, `InvalidProviderConfig`, `ValidationFailed`. */
  readonly reason: string;
  readonly message: string;
}

/** A client bound to one store spec (and, for namespaced auth, one namespace). */
export interface SecretsClient {
  /** One value. */
  getSecret(ref: RemoteRef): Promise<Uint8Array>;
  /** A JSON object value (or the secret's key/value form) as a map: `dataFrom[].extract`. */
  getSecretMap(ref: RemoteRef): Promise<Record<string, Uint8Array>>;
  /** Many secrets by name/tags/path: `dataFrom[].find`; keys are the secret names. */
  findSecrets(find: FindSpec): Promise<Record<string, Uint8Array>>;
  /** Checks the store is reachable and the credentials work. Never throws. */
  validate(): Promise<ValidationResult>;
  /** Releases connections and cached credentials. */
  close(): Promise<void>;
  /**
   * Optional: a view of this client for a refresh that fell due at `instant` (ms since epoch),
   * whose reads may be answered by any read of the same secret that started at or after that
   * instant — what every refresh of one grid instant needs, whatever moment it is processed
   * (src/stores/coalesce.ts). Closing the view is a no-op; close this client.
   */
  readonly readsSince?: (instant: number) => SecretsClient;
}

/** A reference to a key of a Kubernetes Secret (ESO `SecretKeySelector`). */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
  /** Only honoured for ClusterSecretStores; a SecretStore always reads its own namespace. */
  readonly namespace?: string;
}

/**
 * A reference to a key of a Kubernetes ConfigMap (ESO `caProvider` with `type: ConfigMap`).
 * A ClusterSecretStore must name the namespace; a SecretStore may only name its own.
 */
export interface ConfigMapKeyRef {
  readonly name: string;
  readonly key: string;
  readonly namespace?: string;
}

/** A reference to a ServiceAccount (ESO `ServiceAccountSelector`). */
export interface ServiceAccountRef {
  readonly name: string;
  readonly namespace?: string;
  readonly audiences?: readonly string[];
}

/** What a provider may use from Kubernetes: only reads of referenced Secrets and SA tokens. */
export interface StoreContext {
  readonly storeKind: "SecretStore" | "ClusterSecretStore";
  readonly storeName: string;
  /** Namespace the request is made for (the ExternalSecret's). */
  readonly namespace: string;
  /** The value of `spec.provider.<kind>`. Validated by the provider. */
  readonly providerSpec: unknown;
  readSecretKey(ref: SecretKeyRef): Promise<Uint8Array>;
  /**
   * Bytes of `key` in a ConfigMap (`data`, else `binaryData`), read as ESO reads `caProvider`
   * ConfigMaps. Throws KsealError: `STORE_INVALID_CONFIG` when a ClusterSecretStore omits
   * `ref.namespace` or a SecretStore names another namespace; `CONFIGMAP_NOT_FOUND`;
   * `CONFIGMAP_KEY_NOT_FOUND`.
   */
  readConfigMapKey(ref: ConfigMapKeyRef): Promise<Uint8Array>;
  /** A token from the TokenRequest API for the service account. */
  createServiceAccountToken(ref: ServiceAccountRef): Promise<string>;
  /** Injected clock (ms since epoch). */
  now(): number;
}

/** A store kind, keyed by its `spec.provider.<key>` (`vault`, `aws`, `gcpsm`, `azurekv`, `fake`, `kubernetes`). */
export interface Provider {
  readonly key: string;
  /** Checks `providerSpec` statically; throws KsealError(STORE_INVALID_CONFIG) naming the bad field. */
  validateSpec(providerSpec: unknown): void;
  newClient(ctx: StoreContext): Promise<SecretsClient>;
}

export const StoreErrorCode = {
  NotFound: "SECRET_NOT_FOUND",
  AuthFailed: "STORE_AUTH_FAILED",
  PermissionDenied: "STORE_PERMISSION_DENIED",
  Throttled: "STORE_THROTTLED",
  Unavailable: "STORE_UNAVAILABLE",
  InvalidConfig: "STORE_INVALID_CONFIG",
  BadRequest: "STORE_BAD_REQUEST",
  NoSuchProperty: "SECRET_PROPERTY_NOT_FOUND",
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** The key does not exist in the store (not "no permission", not "store down"). */
export class SecretNotFoundError extends KsealError {
  constructor(storeName: string, key: string, options: { cause?: unknown } = {}) {
    super(StoreErrorCode.NotFound, `secret "${key}" not found in store "${storeName}"`, {
      ...options,
      details: { store: storeName, key },
    });
    this.name = "SecretNotFoundError";
  }
}

export function storeError(
  code: StoreErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, string | number | boolean> } = {},
): KsealError {
  return new KsealError(code, message, options);
}
