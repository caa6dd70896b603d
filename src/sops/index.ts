/**
 * kseal's SOPS implementation: read and write files byte-compatibly with the `sops` tool (age
 * master keys, Shamir key groups, every selection rule), with the MAC verified on every decrypt.
 */
export { SopsCode } from "./errors.ts";
export type { SopsCodeValue } from "./errors.ts";
export { DEFAULT_LIMITS } from "./limits.ts";
export type { Limits } from "./limits.ts";
export { FORMATS, formatForPath, parseFormat, parsePlain, emitPlain, parseEncrypted, emitEncrypted } from "./codecs/index.ts";
export type { Format } from "./codecs/index.ts";
export {
  decryptFile,
  decryptTree,
  encryptFile,
  encryptTree,
  formatLastModified,
  openFile,
  recoverDataKey,
  reseal,
  rotateFile,
  updateKeysFile,
} from "./document.ts";
export type { Decrypted, EncryptOptions, Encrypted, FileOptions, KeyPlan } from "./document.ts";
export { metadataFromPlain, metadataToPlain, SOPS_FORMAT_VERSION } from "./metadata.ts";
export type { AgeKey, KeyGroup, Metadata, Plain, Rules } from "./metadata.ts";
export { generateAgeKey, isAgeRecipient, loadIdentities, parseIdentities, recipientOf } from "./keys/age.ts";
export { combine as shamirCombine, split as shamirSplit } from "./keys/shamir.ts";
export { findCreationRule, parseSopsConfig } from "./config.ts";
export type { CreationRule, SopsConfig } from "./config.ts";
export type { Branches, Mapping, Sequence, Scalar, Value, Comment } from "./tree.ts";
