/**
 * The request headers of a kubeconfig user: `Authorization` (bearer token or basic auth) and
 * `Impersonate-User`/`-Group`/`-Uid`. A token file is read again on every call: kubelet rewrites projected service
 * account tokens well before they expire, and the caller decides how often to call.
 */
import { readFile } from "node:fs/promises";
import { KsealError } from "../errors.ts";
import type { BearerToken, UserCredentials } from "./access.ts";

/** Reads a file as text; injectable so tests can fail a read. */
export type TextFileReader = (path: string) => Promise<string>;

const readText: TextFileReader = (path) => readFile(path, "utf8");

/**
 * A function producing `user`'s headers, fresh token file included. Throws
 * `KUBE_CREDENTIALS_UNAVAILABLE` only when a token file cannot be read and nothing was ever read
 * from it (see {@link tokenSource}).
 */
export function credentialHeaders(user: UserCredentials, read: TextFileReader = readText): () => Promise<Record<string, string | string[]>> {
  const token = user.bearer === undefined ? undefined : tokenSource(user.bearer, read);
  const basic = user.basic === undefined ? undefined : `Basic ${Buffer.from(`${user.basic.username}:${user.basic.password}`).toString("base64")}`;
  return async () => {
    const headers: Record<string, string | string[]> = {};
    if (token !== undefined) headers.authorization = `Bearer ${await token()}`;
    else if (basic !== undefined) headers.authorization = basic;
    if (user.impersonate !== undefined) headers["impersonate-user"] = user.impersonate;
    // One header line per group: the API server reads each line as one group, commas included.
    if (user.impersonateGroups !== undefined) headers["impersonate-group"] = [...user.impersonateGroups];
    if (user.impersonateUid !== undefined) headers["impersonate-uid"] = user.impersonateUid;
    return headers;
  };
}

/**
 * The current token. A token file that cannot be read, or reads empty (a rewrite caught half
 * way), yields the last token read from it — which is what client-go does, and what keeps a
 * momentary glitch from failing requests that the old token still authorizes.
 */
export function tokenSource(bearer: BearerToken, read: TextFileReader = readText): () => Promise<string> {
  if ("token" in bearer) {
    const fixed = bearer.token;
    return () => Promise.resolve(fixed);
  }
  const { tokenFile } = bearer;
  let last = bearer.fallback;
  return async () => {
    let cause: unknown;
    try {
      const token = (await read(tokenFile)).trim();
      if (token !== "") {
        last = token;
        return token;
      }
    } catch (e: unknown) {
      cause = e;
    }
    if (last !== undefined) return last;
    throw new KsealError("KUBE_CREDENTIALS_UNAVAILABLE", "cannot read a token from the kubeconfig user's token file", {
      ...(cause === undefined ? {} : { cause }), details: { file: tokenFile },
    });
  };
}
