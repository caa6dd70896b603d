/**
 * The narrow port the Vault provider needs from an HTTP client: one call to Vault's `/v1` API.
 * Non-2xx answers come back as a status (never thrown); only transport failures throw.
 */
export interface VaultRequest {
  readonly method: "GET" | "POST" | "PUT" | "LIST";
  /** Path under `/v1/`, without a leading slash, e.g. `secret/data/app`. */
  readonly path: string;
  readonly token?: string;
  readonly body?: unknown;
}

export interface VaultResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface VaultPort {
  request(req: VaultRequest): Promise<VaultResponse>;
}
