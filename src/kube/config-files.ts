/**
 * Reading the files a kubeconfig or the service account directory points to (CA, client
 * certificate and key, token), once at load time: a missing file then stops start-up with the
 * file's name instead of failing every request later.
 */
import { readFileSync } from "node:fs";
import { KsealError } from "../errors.ts";

/**
 * The bytes of `file`. Throws `KUBE_CONFIG_INVALID` saying `what` could not be read, with
 * `details` plus `file`; the file's content never appears in the error.
 */
export function readConfigFile(file: string, what: string, details: Readonly<Record<string, string>>): Buffer {
  try {
    return readFileSync(file);
  } catch (e: unknown) {
    throw new KsealError("KUBE_CONFIG_INVALID", `cannot read ${what}`, { cause: e, details: { ...details, file } });
  }
}

/**
 * The token in `file`, whitespace trimmed (an editor's final newline is no part of it). Throws
 * like {@link readConfigFile}, also for an empty file.
 */
export function readTokenFile(file: string, what: string, details: Readonly<Record<string, string>>): string {
  const token = readConfigFile(file, what, details).toString("utf8").trim();
  if (token === "") throw new KsealError("KUBE_CONFIG_INVALID", `${what} is empty`, { details: { ...details, file } });
  return token;
}
