/**
 * The Azure Key Vault provider (`spec.provider.azurekv`): `vaultUrl`, `tenantId`, `authType`
 * ServicePrincipal (client secret or certificate from `authSecretRef`), ManagedIdentity
 * (`identityId`), WorkloadIdentity (a ServiceAccount token from the TokenRequest API, or the
 * workload-identity webhook's environment); `environmentType` / `customCloudConfig` pick the
 * Microsoft Entra authority. Secrets only: `cert/` and `key/` keys are refused with the SDK they need.
 */
import { StoreErrorCode, storeError, type Provider, type SecretsClient, type StoreContext } from "../contract.ts";
import { isKsealError } from "../../errors.ts";
import { AzureKeyVaultClient } from "./client.ts";
import type { AzureSecretsPort } from "./port.ts";
import type { AzureConnect, AzureServiceVersion } from "./sdk.ts";
import { parseAzureSpec, resolveAzureCredential } from "./spec.ts";
import type { TokenCredential } from "@azure/identity";

export { AzureKeyVaultClient, mapAzureError, parseRemoteKey, tagMap, tagValue, versionOf, VALIDATION_PROBE } from "./client.ts";
export type { AzureSecret, AzureSecretProperties, AzureSecretsPort } from "./port.ts";
export type { AzureConnect, AzureCredentialConfig, AzureServiceVersion } from "./sdk.ts";
export { AUTHORITY_HOSTS, AZURE_TOKEN_EXCHANGE_AUDIENCE, authorityHost, parseAzureSpec, resolveAzureCredential, type AzureSpec } from "./spec.ts";

export interface AzureProviderOptions {
  /** Builds the port; default: the Azure SDK. Unit tests pass a hand-written fake. */
  readonly port?: (c: AzureConnect) => Promise<AzureSecretsPort>;
  /**
   * Replaces the credential the spec describes, for every store (emulators: Lowkey Vault accepts
   * any bearer token and has no Entra ID to obtain one from). Referenced Secrets are then not read.
   */
  readonly credential?: TokenCredential;
  /** Pins the Key Vault API version (Lowkey Vault does not speak the SDK's newest). */
  readonly serviceVersion?: AzureServiceVersion;
  /** PEM CA(s) trusted for vault URLs (an emulator's self-signed certificate). TLS checks stay on. */
  readonly ca?: string;
  /** The operator's environment, for WorkloadIdentity without serviceAccountRef; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export function createAzureProvider(options: AzureProviderOptions = {}): Provider {
  return {
    key: "azurekv",
    validateSpec(providerSpec: unknown): void {
      parseAzureSpec(providerSpec);
    },
    async newClient(ctx: StoreContext): Promise<SecretsClient> {
      const spec = parseAzureSpec(ctx.providerSpec);
      const credential =
        options.credential === undefined
          ? await resolveAzureCredential(spec, ctx, options.env ?? process.env)
          : ({ kind: "Static", credential: options.credential } as const);
      const connect: AzureConnect = {
        vaultUrl: spec.vaultUrl,
        credential,
        ...(options.serviceVersion === undefined ? {} : { serviceVersion: options.serviceVersion }),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      };
      let port: AzureSecretsPort;
      try {
        port = options.port === undefined ? (await import("./sdk.ts")).azureSdkPort(connect) : await options.port(connect);
      } catch (e: unknown) {
        if (isKsealError(e)) throw e;
        // Credential classes check their inputs when built (e.g. a malformed tenant id).
        throw storeError(StoreErrorCode.InvalidConfig, `azurekv: could not set up the ${spec.authType} credential for store "${ctx.storeName}"`, {
          cause: e,
          details: { store: ctx.storeName, authType: spec.authType },
        });
      }
      return new AzureKeyVaultClient(port, ctx.storeName);
    },
  };
}

export const provider: Provider = createAzureProvider();
