/**
 * The narrow port the Azure Key Vault provider needs from `@azure/keyvault-secrets`.
 * Implementations throw the SDK's own errors (`RestError` with `statusCode`/`code`, identity
 * errors such as `AuthenticationError`); the client maps them.
 */

/** A secret's properties as listed (no value). */
export interface AzureSecretProperties {
  readonly name: string;
  /** `false` when the secret is disabled; `undefined` when the service did not say. */
  readonly enabled: boolean | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

/** One version of a secret, with its value. */
export interface AzureSecret extends AzureSecretProperties {
  /** The secret's value; Key Vault stores text. `undefined` when the service sent none. */
  readonly value: string | undefined;
  /** The version id (32 hex characters on Azure). */
  readonly version: string | undefined;
}

export interface AzureSecretsPort {
  /** One version of `name`; the latest when `version` is undefined. */
  getSecret(name: string, version: string | undefined): Promise<AzureSecret>;
  /** Every secret of the vault (all pages), without values. */
  listSecretProperties(): Promise<AzureSecretProperties[]>;
  close(): Promise<void>;
}
