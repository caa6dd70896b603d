/**
 * The Kubernetes objects sealing reads and writes, as plain JSON shapes (what the API server and
 * kubeseal emit): `data` values are base64 strings. Only the fields sealing looks at are typed;
 * everything else is carried through untouched.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

export interface Secret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface SealedSecretTemplate {
  metadata?: ObjectMeta | null;
  type?: string;
  immutable?: boolean;
  /** Values rendered with the template engine from the decrypted items; null deletes an item. */
  data?: Record<string, string | null> | null;
}

export interface SealedSecretCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface SealedSecret {
  apiVersion: "bitnami.com/v1alpha1";
  kind: "SealedSecret";
  metadata: ObjectMeta;
  spec: {
    template?: SealedSecretTemplate;
    encryptedData?: Record<string, string>;
    /** Deprecated v1 format: one blob holding a whole serialized Secret (base64 in JSON). */
    data?: string;
  };
  status?: {
    observedGeneration?: number;
    conditions?: SealedSecretCondition[];
  };
}

export const SEALED_SECRET_API_VERSION = "bitnami.com/v1alpha1";
export const SEALED_SECRET_KIND = "SealedSecret";
