/**
 * The {@link AzureSecretsPort} over `@azure/keyvault-secrets`, authenticated with `@azure/identity`'s
 * own credential classes. The only file that imports the Azure SDKs (loaded lazily by index.ts).
 */
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from "@azure/identity";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import type { AzureSecretsPort } from "./port.ts";

/** Which credential to build; pure data decided by index.ts from the store spec. */
export type AzureCredentialConfig =
  | { readonly kind: "ClientSecret"; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string; readonly authorityHost: string }
  | { readonly kind: "ClientCertificate"; readonly tenantId: string; readonly clientId: string; readonly certificatePem: string; readonly authorityHost: string }
  /** `identityId`: a client id, or an ARM resource id (starts with `/`). */
  | { readonly kind: "ManagedIdentity"; readonly identityId?: string }
  /** The workload-identity webhook's environment (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE). */
  | { readonly kind: "WorkloadIdentityEnv"; readonly authorityHost: string }
  /** Workload identity with a ServiceAccount token minted per exchange by the TokenRequest API. */
  | { readonly kind: "WorkloadIdentityToken"; readonly tenantId: string; readonly clientId: string; readonly authorityHost: string; readonly serviceAccountToken: () => Promise<string> }
  /** A ready credential (emulators, tests). */
  | { readonly kind: "Static"; readonly credential: TokenCredential };

/** Key Vault API versions the installed SDK can speak. */
export type AzureServiceVersion = NonNullable<SecretClientOptions["serviceVersion"]>;

export interface AzureConnect {
  readonly vaultUrl: string;
  readonly credential: AzureCredentialConfig;
  /** Pins the Key Vault REST API version (an emulator may not speak the SDK's latest). */
  readonly serviceVersion?: AzureServiceVersion;
  /** PEM CA(s) to trust for the vault URL, replacing the default bundle for that client only. */
  readonly ca?: string;
}

export function azureCredential(c: AzureCredentialConfig): TokenCredential {
  switch (c.kind) {
    case "ClientSecret":
      return new ClientSecretCredential(c.tenantId, c.clientId, c.clientSecret, { authorityHost: c.authorityHost });
    case "ClientCertificate":
      return new ClientCertificateCredential(c.tenantId, c.clientId, { certificate: c.certificatePem }, { authorityHost: c.authorityHost });
    case "ManagedIdentity":
      if (c.identityId === undefined) return new ManagedIdentityCredential();
      return c.identityId.startsWith("/") ? new ManagedIdentityCredential({ resourceId: c.identityId }) : new ManagedIdentityCredential({ clientId: c.identityId });
    case "WorkloadIdentityEnv":
      return new WorkloadIdentityCredential({ authorityHost: c.authorityHost });
    case "WorkloadIdentityToken":
      // What WorkloadIdentityCredential does with its token file, fed from the TokenRequest API
      // instead, so no token is ever written to disk.
      return new ClientAssertionCredential(c.tenantId, c.clientId, c.serviceAccountToken, { authorityHost: c.authorityHost });
    case "Static":
      return c.credential;
  }
}

function tags(t: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(t ?? {})) if (typeof v === "string") out[k] = v;
  return out;
}

export function azureSdkPort(c: AzureConnect): AzureSecretsPort {
  const client = new SecretClient(c.vaultUrl, azureCredential(c.credential), {
    ...(c.serviceVersion === undefined ? {} : { serviceVersion: c.serviceVersion }),
    // Trust is added, never removed: TLS verification stays on.
    ...(c.ca === undefined ? {} : { tlsOptions: { ca: c.ca } }),
    // The operator's queue owns backoff; one quick retry covers a dropped connection only.
    retryOptions: { maxRetries: 1 },
  });
  return {
    async getSecret(name, version) {
      const s = await client.getSecret(name, version === undefined ? {} : { version });
      return { name: s.name, value: s.value, version: s.properties.version, enabled: s.properties.enabled, tags: tags(s.properties.tags) };
    },
    async listSecretProperties() {
      const out: { name: string; enabled: boolean | undefined; tags: Record<string, string> }[] = [];
      for await (const p of client.listPropertiesOfSecrets()) out.push({ name: p.name, enabled: p.enabled, tags: tags(p.tags) });
      return out;
    },
    close: () => Promise.resolve(),
  };
}
