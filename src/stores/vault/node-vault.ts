/** The {@link VaultPort} over `node-vault` (the only file that imports it). */
import nodeVault from "node-vault";
import { nodeHttpRequestPromise } from "./node-vault-transport.ts";
import type { VaultPort, VaultRequest, VaultResponse } from "./port.ts";

interface ApiResponseErrorShape {
  response?: { statusCode?: unknown; body?: unknown };
}

export function nodeVaultPort(opts: { server: string; namespace?: string; caPem?: string }): VaultPort {
  const client = nodeVault({
    apiVersion: "v1",
    endpoint: opts.server,
    ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
    // No ambient VAULT_TOKEN: every request carries the token we resolved for this store.
    token: "",
    // node-vault's own axios costs twice the CPU per read and much memory (node-vault-transport.ts).
    "request-promise": nodeHttpRequestPromise(opts.caPem),
  });
  return {
    async request(req: VaultRequest): Promise<VaultResponse> {
      const headers: Record<string, string> = {};
      if (req.token !== undefined) headers["X-Vault-Token"] = req.token;
      try {
        const body: unknown = await client.request({
          path: `/${req.path}`,
          method: req.method,
          headers,
          ...(req.body === undefined ? {} : { json: req.body }),
        });
        return { status: 200, body };
      } catch (e: unknown) {
        const res = (e as ApiResponseErrorShape).response;
        if (res !== undefined && typeof res.statusCode === "number") return { status: res.statusCode, body: res.body };
        throw e;
      }
    },
  };
}
