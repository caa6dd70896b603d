/**
 * TypeScript shapes of the `external-secrets.io/v1` resources kseal reconciles, with ESO's field
 * names. Defaults the API server applies (creationPolicy Owner, deletionPolicy Retain,
 * refreshInterval 1h, …) are applied again by {@link parseExternalSecret} so objects built in
 * tests or read from an older schema behave the same.
 */

export const API_VERSION = "external-secrets.io/v1";

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export type CreationPolicy = "Owner" | "Orphan" | "Merge" | "None" | "CreateOrMerge";
export type DeletionPolicy = "Delete" | "Merge" | "Retain";
export type RefreshPolicy = "CreatedOnce" | "Periodic" | "OnChange";
export type DecodingStrategy = "Auto" | "Base64" | "Base64URL" | "None";
export type ConversionStrategy = "Default" | "Unicode";
export type MetadataPolicy = "None" | "Fetch";
export type NullBytePolicy = "Ignore" | "Fail";
export type MergePolicy = "Replace" | "Merge";
export type StoreKind = "SecretStore" | "ClusterSecretStore";

export interface StoreRef {
  readonly name: string;
  readonly kind: StoreKind;
}

export interface RemoteRefSpec {
  readonly key: string;
  readonly property?: string;
  readonly version?: string;
  readonly metadataPolicy: MetadataPolicy;
  readonly decodingStrategy: DecodingStrategy;
  readonly conversionStrategy: ConversionStrategy;
  readonly nullBytePolicy: NullBytePolicy;
}

export interface DataItem {
  readonly secretKey: string;
  readonly remoteRef: RemoteRefSpec;
  readonly sourceRef?: { readonly storeRef?: StoreRef; readonly generatorRef?: GeneratorRef };
}

export interface GeneratorRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

export type Rewrite =
  | { readonly regexp: { readonly source: string; readonly target: string } }
  | { readonly transform: { readonly template: string } }
  | { readonly merge: MergeRewrite };

/** ESO `rewrite[].merge`, defaults applied (see merge.ts for its semantics). */
export interface MergeRewrite {
  readonly into: string;
  readonly priority: readonly string[];
  readonly priorityPolicy: "IgnoreNotFound" | "Strict";
  readonly conflictPolicy: "Ignore" | "Error";
  readonly strategy: "Extract" | "JSON";
}

export interface FindSpecInput {
  readonly path?: string;
  readonly name?: { readonly regexp: string };
  readonly tags?: Readonly<Record<string, string>>;
  readonly decodingStrategy: DecodingStrategy;
  readonly conversionStrategy: ConversionStrategy;
  readonly nullBytePolicy: NullBytePolicy;
}

export interface DataFromItem {
  readonly extract?: RemoteRefSpec;
  readonly find?: FindSpecInput;
  readonly rewrite: readonly Rewrite[];
  readonly sourceRef?: { readonly storeRef?: StoreRef; readonly generatorRef?: GeneratorRef };
}

export interface TemplateRefItem {
  readonly key: string;
  readonly templateAs: "Values" | "KeysAndValues";
}

export interface TemplateFrom {
  readonly configMap?: { readonly name: string; readonly items: readonly TemplateRefItem[] };
  readonly secret?: { readonly name: string; readonly items: readonly TemplateRefItem[] };
  readonly literal?: string;
  /** `Data` (default), `Annotations` or `Labels`, compared case-insensitively as ESO does. */
  readonly target: string;
}

export interface TemplateSpec {
  readonly type?: string;
  readonly engineVersion: "v2";
  readonly mergePolicy: MergePolicy;
  readonly metadata: {
    readonly annotations: Readonly<Record<string, string>>;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly data: Readonly<Record<string, string>>;
  readonly templateFrom: readonly TemplateFrom[];
}

export interface TargetSpec {
  readonly name?: string;
  readonly creationPolicy: CreationPolicy;
  readonly deletionPolicy: DeletionPolicy;
  readonly template?: TemplateSpec;
  readonly immutable: boolean;
}

export interface SyncWindows {
  readonly kind: "allow" | "deny";
  readonly windows: readonly { readonly schedule: string; readonly durationMs: number }[];
}

export interface ExternalSecretSpec {
  readonly secretStoreRef?: StoreRef;
  readonly target: TargetSpec;
  readonly refreshPolicy?: RefreshPolicy;
  /** Milliseconds; 0 means "fetch once". */
  readonly refreshIntervalMs: number;
  /** kseal extension: cron expression. */
  readonly refreshSchedule?: string;
  readonly syncWindows?: SyncWindows;
  readonly data: readonly DataItem[];
  readonly dataFrom: readonly DataFromItem[];
}

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export interface ExternalSecretStatus {
  readonly refreshTime?: string | null;
  readonly syncedResourceVersion?: string;
  readonly binding?: { readonly name: string };
  readonly conditions?: readonly Condition[];
}

export interface ExternalSecret {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: "ExternalSecret";
  readonly metadata: ObjectMeta & { readonly namespace: string };
  readonly spec: ExternalSecretSpec;
  readonly status: ExternalSecretStatus;
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    readonly values?: readonly string[];
  }[];
}

export interface ClusterSecretStoreCondition {
  readonly namespaceSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
  readonly namespaceRegexes?: readonly string[];
}

export interface SecretStoreSpec {
  readonly controller?: string;
  /** The single `spec.provider.<key>` entry. */
  readonly provider: { readonly key: string; readonly spec: unknown };
  readonly conditions: readonly ClusterSecretStoreCondition[];
}

export interface SecretStore {
  readonly kind: StoreKind;
  readonly metadata: ObjectMeta;
  readonly spec: SecretStoreSpec;
  readonly status: { readonly conditions?: readonly Condition[] };
}

export interface ClusterExternalSecret {
  readonly kind: "ClusterExternalSecret";
  readonly metadata: ObjectMeta;
  readonly spec: {
    /** The raw `externalSecretSpec` (copied into each generated ExternalSecret as written). */
    readonly externalSecretSpec: Readonly<Record<string, unknown>>;
    readonly externalSecretName?: string;
    readonly externalSecretMetadata: {
      readonly annotations: Readonly<Record<string, string>>;
      readonly labels: Readonly<Record<string, string>>;
    };
    readonly namespaceSelectors: readonly LabelSelector[];
    readonly namespaces: readonly string[];
    readonly refreshTimeMs: number;
  };
  readonly status: {
    readonly provisionedNamespaces?: readonly string[];
    readonly failedNamespaces?: readonly { readonly namespace: string; readonly reason?: string }[];
  };
}

/** ESO's condition reasons on an ExternalSecret. */
export const EsReason = {
  SecretSynced: "SecretSynced",
  SecretSyncedError: "SecretSyncedError",
  SecretDeleted: "SecretDeleted",
  SecretMissing: "SecretMissing",
} as const;

/**
 * ESO's condition (and event) reasons on a store. `InvalidStoreConfiguration` is in ESO's API, but
 * its store controller has not set it since v0.7: a store it cannot build a client for (no provider,
 * several, an unknown one) is `InvalidProviderConfig`.
 */
export const StoreReason = {
  Valid: "Valid",
  InvalidStore: "InvalidStoreConfiguration",
  InvalidProviderConfig: "InvalidProviderConfig",
  ValidationFailed: "ValidationFailed",
  ValidationUnknown: "ValidationUnknown",
} as const;

/** Labels and annotations kseal (like ESO) puts on the Secrets it manages. */
export const LABEL_MANAGED = "reconcile.external-secrets.io/managed";
export const LABEL_OWNER = "reconcile.external-secrets.io/created-by";
export const ANNOTATION_FORCE_SYNC = "external-secrets.io/force-sync";
/** kseal's keyed HMAC of the synced data (replaces ESO's unkeyed `reconcile.external-secrets.io/data-hash`). */
export const ANNOTATION_DATA_HMAC = "reconcile.kseal.dev/data-hmac";
