/**
 * Sealed-Secrets-compatible sealing: the hybrid wire format, scopes, keys, and sealing/unsealing
 * of SealedSecret resources. The one public entry point of `src/sealing`.
 */
export { hybridEncrypt, hybridDecrypt, tryDecrypt, decryptFailed, defaultRng, DECRYPT_FAILED, type Rng } from "./hybrid.ts";
export {
  encryptionLabel,
  scopeFromAnnotations,
  withScopeAnnotations,
  parseScope,
  SCOPES,
  ANNOTATION_CLUSTER_WIDE,
  ANNOTATION_NAMESPACE_WIDE,
  type SealingScope,
} from "./scope.ts";
export {
  generateSealingKey,
  selfSignedCertificate,
  keySecret,
  keyFingerprint,
  parsePrivateKeyPem,
  parseSealingCertificate,
  sealingKeyFromPem,
  parseKeySecret,
  decideRenewal,
  KeyRing,
  KeyRegistry,
  KEY_LABEL,
  KEY_LABEL_ACTIVE,
  KEY_GENERATE_NAME,
  DEFAULT_KEY_CN,
  DEFAULT_RENEWAL_PERIOD_MS,
  type SealingKey,
  type GeneratedKey,
  type SealingCertificate,
  type RenewalDecision,
  type KeySecretPort,
} from "./keys.ts";
export { readKeyFile } from "./keyfiles.ts";
export { parseDocuments, printObject, parseOutputFormat, type OutputFormat, type InputDocument } from "./manifest.ts";
export {
  sealSecret,
  sealRaw,
  mergeSealedSecrets,
  unsealSealedSecret,
  openSealedSecret,
  buildSecret,
  orderMeta,
  ANNOTATION_KEY_HINT,
  ANNOTATION_SKIP_OWNER_REFERENCES,
  ANNOTATION_MANAGED,
  ANNOTATION_PATCH,
  type SealOptions,
  type UnsealOptions,
  sealedSecretsRenderer,
  type TemplateRenderer,
  type OpenedSealedSecret,
} from "./sealedsecret.ts";
export type { Secret, SealedSecret, SealedSecretTemplate, SealedSecretCondition, ObjectMeta, OwnerReference } from "./types.ts";
export { SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND } from "./types.ts";
export {
  planSealedSecret,
  planWriteFailure,
  nextStatus,
  isControlledBy,
  EVENT_UNSEALED,
  EVENT_UNSEAL_FAILED,
  EVENT_UPDATE_FAILED,
  type SealedSecretPlan,
  type UnsealResult,
} from "./controller.ts";
export { handleCert, handleVerify, handleRotate, RateLimiter, type HttpReply, type Opener } from "./http.ts";
export { UnsealPool } from "./pool.ts";
