/** Parsing of ESO's `spec.provider.vault` (field names exactly as ESO's v1 API). */
import type { SecretKeyRef, ServiceAccountRef } from "../contract.ts";
import { specInvalid, specKeyRef, specObject, specOptObject, specOptString, specServiceAccountRef, specString, type CaProviderRef } from "../support.ts";

export type VaultAuthSpec =
  | { readonly method: "token"; readonly tokenSecretRef: SecretKeyRef }
  | { readonly method: "appRole"; readonly path: string; readonly roleId?: string; readonly roleRef?: SecretKeyRef; readonly secretRef: SecretKeyRef }
  | { readonly method: "kubernetes"; readonly mountPath: string; readonly role: string; readonly serviceAccountRef?: ServiceAccountRef; readonly secretRef?: SecretKeyRef }
  | { readonly method: "jwt"; readonly path: string; readonly role?: string; readonly secretRef?: SecretKeyRef; readonly kubernetesServiceAccountToken?: ServiceAccountRef };

export interface VaultSpec {
  readonly server: string;
  /** The KV mount (ESO `path`); when absent the key's first segment is the mount. */
  readonly path?: string;
  readonly version: "v1" | "v2";
  readonly namespace?: string;
  /** Base64 PEM (ESO `caBundle`). */
  readonly caBundle?: string;
  readonly caProvider?: CaProviderRef;
  readonly auth: VaultAuthSpec;
}

const P = "spec.provider.vault";

export function parseVaultSpec(raw: unknown): VaultSpec {
  const s = specObject(raw, P);
  const server = specString(s, "server", P);
  if (!/^https?:\/\//.test(server)) throw specInvalid(`${P}.server`, "must be an http(s) URL");
  const version = specOptString(s, "version", P) ?? "v2";
  if (version !== "v1" && version !== "v2") throw specInvalid(`${P}.version`, 'must be "v1" or "v2"');
  const auth = specObject(s.auth, `${P}.auth`);
  const A = `${P}.auth`;
  const methods = ["tokenSecretRef", "appRole", "kubernetes", "jwt"].filter((m) => auth[m] !== undefined && auth[m] !== null);
  const unsupported = Object.keys(auth).filter((k) => !["tokenSecretRef", "appRole", "kubernetes", "jwt"].includes(k));
  if (unsupported.length > 0) throw specInvalid(`${A}.${unsupported[0] ?? ""}`, "is not supported by kseal (supported: tokenSecretRef, appRole, kubernetes, jwt)");
  if (methods.length !== 1) throw specInvalid(A, "must set exactly one of tokenSecretRef, appRole, kubernetes, jwt");
  let parsed: VaultAuthSpec;
  const m = methods[0];
  if (m === "tokenSecretRef") {
    const ref = specKeyRef(auth, "tokenSecretRef", A);
    if (ref === undefined) throw specInvalid(`${A}.tokenSecretRef`, "is required");
    parsed = { method: "token", tokenSecretRef: ref };
  } else if (m === "appRole") {
    const a = specObject(auth.appRole, `${A}.appRole`);
    const p = `${A}.appRole`;
    const roleId = specOptString(a, "roleId", p);
    const roleRef = specKeyRef(a, "roleRef", p);
    const secretRef = specKeyRef(a, "secretRef", p);
    if (secretRef === undefined) throw specInvalid(`${p}.secretRef`, "is required");
    if (roleId === undefined && roleRef === undefined) throw specInvalid(p, "needs roleId or roleRef");
    parsed = {
      method: "appRole",
      path: specOptString(a, "path", p) ?? "approle",
      secretRef,
      ...(roleId === undefined ? {} : { roleId }),
      ...(roleRef === undefined ? {} : { roleRef }),
    };
  } else if (m === "kubernetes") {
    const k = specObject(auth.kubernetes, `${A}.kubernetes`);
    const p = `${A}.kubernetes`;
    const sa = specServiceAccountRef(k, "serviceAccountRef", p);
    const secretRef = specKeyRef(k, "secretRef", p);
    parsed = {
      method: "kubernetes",
      mountPath: specOptString(k, "mountPath", p) ?? "kubernetes",
      role: specString(k, "role", p),
      ...(sa === undefined ? {} : { serviceAccountRef: sa }),
      ...(secretRef === undefined ? {} : { secretRef }),
    };
  } else {
    const j = specObject(auth.jwt, `${A}.jwt`);
    const p = `${A}.jwt`;
    const role = specOptString(j, "role", p);
    const secretRef = specKeyRef(j, "secretRef", p);
    const kst = specOptObject(j, "kubernetesServiceAccountToken", p);
    let sa: ServiceAccountRef | undefined;
    if (kst !== undefined) {
      const base = specServiceAccountRef(kst, "serviceAccountRef", `${p}.kubernetesServiceAccountToken`);
      if (base === undefined) throw specInvalid(`${p}.kubernetesServiceAccountToken.serviceAccountRef`, "is required");
      const aud = kst.audiences;
      if (aud !== undefined && (!Array.isArray(aud) || !aud.every((a) => typeof a === "string"))) {
        throw specInvalid(`${p}.kubernetesServiceAccountToken.audiences`, "must be a list of strings");
      }
      sa = { ...base, ...(aud === undefined ? {} : { audiences: aud }) };
    }
    if (secretRef === undefined && sa === undefined) throw specInvalid(p, "needs secretRef or kubernetesServiceAccountToken");
    parsed = {
      method: "jwt",
      path: specOptString(j, "path", p) ?? "jwt",
      ...(role === undefined ? {} : { role }),
      ...(secretRef === undefined ? {} : { secretRef }),
      ...(sa === undefined ? {} : { kubernetesServiceAccountToken: sa }),
    };
  }
  const cp = specOptObject(s, "caProvider", P);
  let caProvider: VaultSpec["caProvider"];
  if (cp !== undefined) {
    const type = specString(cp, "type", `${P}.caProvider`);
    if (type !== "Secret" && type !== "ConfigMap") throw specInvalid(`${P}.caProvider.type`, 'must be "Secret" or "ConfigMap"');
    const ns = specOptString(cp, "namespace", `${P}.caProvider`);
    caProvider = { type, name: specString(cp, "name", `${P}.caProvider`), key: specString(cp, "key", `${P}.caProvider`), ...(ns === undefined ? {} : { namespace: ns }) };
  }
  const path = specOptString(s, "path", P);
  const namespace = specOptString(s, "namespace", P);
  const caBundle = specOptString(s, "caBundle", P);
  return {
    server: server.replace(/\/+$/, ""),
    version,
    auth: parsed,
    ...(path === undefined || path === "" ? {} : { path: path.replace(/^\/+|\/+$/g, "") }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(caBundle === undefined ? {} : { caBundle }),
    ...(caProvider === undefined ? {} : { caProvider }),
  };
}
