import { KsealError } from "../errors.ts";

/**
 * The stable codes every SOPS failure carries. Messages name the code's meaning and, at most, a key
 * path or a format name — never a value, a comment's text or key material.
 */
export const SopsCode = {
  /** The input is not valid YAML/JSON/dotenv/INI, or its `sops` metadata is malformed. */
  Parse: "SOPS_PARSE",
  /** The input has no `sops` metadata (it is not an encrypted file). */
  NotEncrypted: "SOPS_NOT_ENCRYPTED",
  /** The input is already encrypted (refusing to encrypt twice). */
  AlreadyEncrypted: "SOPS_ALREADY_ENCRYPTED",
  /** The input is larger or deeper than the configured caps. */
  Limit: "SOPS_LIMIT",
  /** No available age identity opens the data key (wrong key, or none configured). */
  NoKey: "SOPS_NO_KEY",
  /** A master key entry is malformed so the data key could not be recovered. */
  DecryptFailed: "SOPS_DECRYPT_FAILED",
  /** A value failed authentication: it was changed, or moved to another key path. */
  Tampered: "SOPS_TAMPERED",
  /** The stored MAC itself failed authentication (changed MAC or `lastmodified`). */
  MacInvalid: "SOPS_MAC_INVALID",
  /** Every value opened, but the MAC over them differs: values were reordered, added or removed. */
  MacMismatch: "SOPS_MAC_MISMATCH",
  /** Nothing to encrypt for: no recipients given or configured. */
  NoRecipients: "SOPS_NO_RECIPIENTS",
  /** Invalid options or `.sops.yaml`. */
  Config: "SOPS_CONFIG",
} as const;

export type SopsCodeValue = (typeof SopsCode)[keyof typeof SopsCode];

export function sopsError(
  code: SopsCodeValue,
  message: string,
  details?: Record<string, string | number | boolean>,
  cause?: unknown,
): KsealError {
  const options: { cause?: unknown; details?: Record<string, string | number | boolean> } = {};
  if (details !== undefined) options.details = details;
  if (cause !== undefined) options.cause = cause;
  return new KsealError(code, message, options);
}
