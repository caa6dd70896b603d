/**
 * Parsing of ESO's `spec.provider.azurekv` (field names exactly as ESO's v1 API) and the choice of
 * credential it implies. Pure apart from the reads `resolveAzureCredential` makes through the
 * StoreContext (referenced Secrets, ServiceAccount tokens).
 */
import type { SecretKeyRef, ServiceAccountRef, StoreContext } from "../contract.ts";
import { fromUtf8, specInvalid, specKeyRef, specObject, specOptObject, specOptString, specServiceAccountRef, specString } from "../support.ts";
import type { AzureCredentialConfig } from "./sdk.ts";

export type AzureAuthType = "ServicePrincipal" | "ManagedIdentity" | "WorkloadIdentity";
export type AzureEnvironmentType = "PublicCloud" | "USGovernmentCloud" | "ChinaCloud" | "GermanCloud" | "AzureStackCloud";

export interface AzureSpec {
  readonly vaultUrl: string;
  readonly authType: AzureAuthType;
  readonly tenantId?: string;
  readonly environmentType: AzureEnvironmentType;
  readonly authSecretRef?: {
    readonly clientId?: SecretKeyRef;
    readonly clientSecret?: SecretKeyRef;
    readonly clientCertificate?: SecretKeyRef;
    readonly tenantId?: SecretKeyRef;
  };
  readonly serviceAccountRef?: ServiceAccountRef;
  readonly identityId?: string;
  /** Only `activeDirectoryEndpoint` matters here (the vault URL is given, the scope comes from its challenge). */
  readonly customCloudConfig?: { readonly activeDirectoryEndpoint: string };
}

const P = "spec.provider.azurekv";

/** The audience Microsoft Entra ID expects on a federated (workload identity) token. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

const AUTH_TYPES: readonly AzureAuthType[] = ["ServicePrincipal", "ManagedIdentity", "WorkloadIdentity"];
const ENVIRONMENTS: readonly AzureEnvironmentType[] = ["PublicCloud", "USGovernmentCloud", "ChinaCloud", "GermanCloud", "AzureStackCloud"];

/** Microsoft Entra authority host per ESO `environmentType` (AzureStackCloud: from customCloudConfig). */
export const AUTHORITY_HOSTS: Readonly<Record<Exclude<AzureEnvironmentType, "AzureStackCloud">, string>> = {
  PublicCloud: "https://login.microsoftonline.com",
  USGovernmentCloud: "https://login.microsoftonline.us",
  ChinaCloud: "https://login.chinacloudapi.cn",
  GermanCloud: "https://login.microsoftonline.de",
};

function oneOf<T extends string>(s: Record<string, unknown>, field: string, allowed: readonly T[], dflt: T): T {
  const v = specOptString(s, field, P);
  if (v === undefined || v === "") return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw specInvalid(`${P}.${field}`, `must be one of ${allowed.join(", ")}`);
  return v as T;
}

/** Checks and normalises `spec.provider.azurekv`; throws STORE_INVALID_CONFIG naming the bad field. */
export function parseAzureSpec(raw: unknown): AzureSpec {
  const s = specObject(raw, P);
  const vaultUrl = specString(s, "vaultUrl", P);
  let url: URL;
  try {
    url = new URL(vaultUrl);
  } catch {
    throw specInvalid(`${P}.vaultUrl`, "must be an https URL");
  }
  // The SDK sends bearer tokens over TLS only; say so up front rather than fail per request.
  if (url.protocol !== "https:") throw specInvalid(`${P}.vaultUrl`, "must be an https URL");
  const authType = oneOf(s, "authType", AUTH_TYPES, "ServicePrincipal");
  const environmentType = oneOf(s, "environmentType", ENVIRONMENTS, "PublicCloud");
  const tenantId = specOptString(s, "tenantId", P);
  const identityId = specOptString(s, "identityId", P);
  const useAzureSDK = s.useAzureSDK;
  if (useAzureSDK !== undefined && useAzureSDK !== null && typeof useAzureSDK !== "boolean") throw specInvalid(`${P}.useAzureSDK`, "must be a boolean");

  const asr = specOptObject(s, "authSecretRef", P);
  let authSecretRef: AzureSpec["authSecretRef"];
  if (asr !== undefined) {
    const p = `${P}.authSecretRef`;
    const refs = {
      clientId: specKeyRef(asr, "clientId", p),
      clientSecret: specKeyRef(asr, "clientSecret", p),
      clientCertificate: specKeyRef(asr, "clientCertificate", p),
      tenantId: specKeyRef(asr, "tenantId", p),
    };
    authSecretRef = Object.fromEntries(Object.entries(refs).filter(([, v]) => v !== undefined));
  }
  const serviceAccountRef = specServiceAccountRef(s, "serviceAccountRef", P);

  const ccc = specOptObject(s, "customCloudConfig", P);
  let customCloudConfig: AzureSpec["customCloudConfig"];
  if (ccc !== undefined) {
    // ESO also demands useAzureSDK: true here because its legacy client cannot do custom clouds;
    // kseal only has the azcore-based client, so the flag is accepted and changes nothing.
    const ad = specString(ccc, "activeDirectoryEndpoint", `${P}.customCloudConfig`);
    if (!ad.startsWith("https://")) throw specInvalid(`${P}.customCloudConfig.activeDirectoryEndpoint`, "must be an https URL");
    customCloudConfig = { activeDirectoryEndpoint: ad };
  }
  if (environmentType === "AzureStackCloud" && customCloudConfig === undefined) throw specInvalid(`${P}.customCloudConfig`, "is required when environmentType is AzureStackCloud");

  if (authType === "ServicePrincipal") {
    const A = `${P}.authSecretRef`;
    if ((tenantId === undefined || tenantId === "") && authSecretRef?.tenantId === undefined) throw specInvalid(`${P}.tenantId`, "is required with authType ServicePrincipal");
    if (authSecretRef === undefined) throw specInvalid(A, "is required with authType ServicePrincipal");
    if (authSecretRef.clientId === undefined) throw specInvalid(`${A}.clientId`, "is required with authType ServicePrincipal");
    const hasSecret = authSecretRef.clientSecret !== undefined;
    const hasCert = authSecretRef.clientCertificate !== undefined;
    if (hasSecret === hasCert) throw specInvalid(A, "must set exactly one of clientSecret, clientCertificate");
  }
  if (authType === "WorkloadIdentity" && serviceAccountRef !== undefined && authSecretRef?.clientId === undefined) {
    // ESO can also read the client id from the ServiceAccount's azure.workload.identity/client-id
    // annotation; providers here see no Kubernetes objects, so it must come from a Secret.
    throw specInvalid(`${P}.authSecretRef.clientId`, "is required with authType WorkloadIdentity and serviceAccountRef (kseal does not read ServiceAccount annotations)");
  }

  return {
    vaultUrl,
    authType,
    environmentType,
    ...(tenantId === undefined || tenantId === "" ? {} : { tenantId }),
    ...(authSecretRef === undefined ? {} : { authSecretRef }),
    ...(serviceAccountRef === undefined ? {} : { serviceAccountRef }),
    ...(identityId === undefined || identityId === "" ? {} : { identityId }),
    ...(customCloudConfig === undefined ? {} : { customCloudConfig }),
  };
}

/** The Entra ID authority host for the spec's cloud. */
export function authorityHost(spec: AzureSpec): string {
  if (spec.customCloudConfig !== undefined) return spec.customCloudConfig.activeDirectoryEndpoint;
  return spec.environmentType === "AzureStackCloud" ? AUTHORITY_HOSTS.PublicCloud : AUTHORITY_HOSTS[spec.environmentType];
}

/**
 * Which credential the spec asks for, with the referenced Secret values read. Throws
 * STORE_INVALID_CONFIG when something the auth type needs is missing; never puts a value in a message.
 * `env` is the operator's environment (the workload-identity webhook's variables).
 */
export async function resolveAzureCredential(
  spec: AzureSpec,
  ctx: Pick<StoreContext, "readSecretKey" | "createServiceAccountToken">,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AzureCredentialConfig> {
  const read = async (ref: SecretKeyRef): Promise<string> => fromUtf8(await ctx.readSecretKey(ref)).trim();
  const host = authorityHost(spec);
  const asr = spec.authSecretRef;
  const tenant = async (): Promise<string | undefined> => (asr?.tenantId === undefined ? spec.tenantId : await read(asr.tenantId));
  switch (spec.authType) {
    case "ManagedIdentity":
      return { kind: "ManagedIdentity", ...(spec.identityId === undefined ? {} : { identityId: spec.identityId }) };
    case "ServicePrincipal": {
      // parseAzureSpec guarantees clientId, a tenant, and exactly one of secret/certificate.
      const tenantId = (await tenant()) ?? "";
      if (tenantId === "") throw specInvalid(`${P}.tenantId`, "is required with authType ServicePrincipal");
      const clientId = asr?.clientId === undefined ? "" : await read(asr.clientId);
      if (asr?.clientSecret !== undefined) return { kind: "ClientSecret", tenantId, clientId, clientSecret: await read(asr.clientSecret), authorityHost: host };
      if (asr?.clientCertificate === undefined) throw specInvalid(`${P}.authSecretRef`, "must set exactly one of clientSecret, clientCertificate");
      // Not trimmed: a PEM bundle is taken as stored.
      return { kind: "ClientCertificate", tenantId, clientId, certificatePem: fromUtf8(await ctx.readSecretKey(asr.clientCertificate)), authorityHost: host };
    }
    case "WorkloadIdentity": {
      const sa = spec.serviceAccountRef;
      if (sa === undefined) {
        const missing = ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"].filter((k) => (env[k] ?? "") === "");
        if (missing.length > 0) throw specInvalid(`${P}.serviceAccountRef`, `is required with authType WorkloadIdentity unless the operator has ${missing.join(", ")} set`);
        return { kind: "WorkloadIdentityEnv", authorityHost: host };
      }
      const clientId = asr?.clientId === undefined ? "" : await read(asr.clientId);
      if (clientId === "") throw specInvalid(`${P}.authSecretRef.clientId`, "is required with authType WorkloadIdentity and serviceAccountRef");
      const tenantId = (await tenant()) ?? env.AZURE_TENANT_ID ?? "";
      if (tenantId === "") throw specInvalid(`${P}.tenantId`, "is required with authType WorkloadIdentity (or authSecretRef.tenantId, or AZURE_TENANT_ID on the operator)");
      const audiences = [AZURE_TOKEN_EXCHANGE_AUDIENCE, ...(sa.audiences ?? [])];
      return {
        kind: "WorkloadIdentityToken",
        tenantId,
        clientId,
        authorityHost: host,
        serviceAccountToken: () => ctx.createServiceAccountToken({ ...sa, audiences }),
      };
    }
  }
}
