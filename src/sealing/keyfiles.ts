/**
 * Private keys from backup files, as `kubeseal --recovery-private-key` accepts them: PEM private
 * keys (PKCS#1 or PKCS#8, several blocks allowed), or a key Secret / `v1.List` of key Secrets in
 * YAML or JSON (`kubectl get secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`).
 */
import { KsealError } from "../errors.ts";
import { parseKeySecret, sealingKeyFromPem, type SealingKey } from "./keys.ts";
import { parseDocuments } from "./manifest.ts";
import type { Secret } from "./types.ts";

const PEM_KEY = /-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]*?-----END (RSA )?PRIVATE KEY-----/g;

/**
 * Parses one backup file's content. `source` names it in errors. Throws SEALING_BAD_KEY_FILE
 * when the file holds no usable key (never quoting the content).
 */
export function readKeyFile(content: string, source: string): SealingKey[] {
  const pems = content.match(PEM_KEY);
  if (pems !== null) return pems.map((p) => sealingKeyFromPem(p));
  let docs;
  try {
    docs = parseDocuments(content);
  } catch (e: unknown) {
    throw new KsealError("SEALING_BAD_KEY_FILE", `${source}: neither a PEM private key nor a key Secret`, { cause: e });
  }
  const secrets: unknown[] = [];
  for (const d of docs) {
    const o = d.object as { kind?: unknown; items?: unknown };
    if ((o.kind === "List" || o.kind === "SecretList") && Array.isArray(o.items)) secrets.push(...(o.items as unknown[]));
    else secrets.push(o);
  }
  const keys: SealingKey[] = [];
  for (const s of secrets) {
    // List items are parsed YAML: null, scalars and lists are skipped like other non-Secrets.
    if (typeof s !== "object" || s === null) continue;
    const secret = s as Partial<Secret>;
    if (secret.metadata === undefined) continue;
    const key = parseKeySecret(secret as Secret);
    if (key === null) throw new KsealError("SEALING_BAD_KEY_FILE", `${source}: a Secret without a tls.key item`);
    keys.push(key);
  }
  if (keys.length === 0) throw new KsealError("SEALING_BAD_KEY_FILE", `${source}: neither a PEM private key nor a key Secret`);
  return keys;
}
