/**
 * The Vault / OpenBao provider (`spec.provider.vault`): KV v1/v2 through `node-vault`, with token
 * auth, AppRole, Kubernetes (TokenRequest + TokenReview) and JWT, tokens cached per store.
 */
import { type Provider, type SecretsClient, type StoreContext } from "../contract.ts";
import { fromUtf8, readCaProvider } from "../support.ts";
import { VaultTokenCache } from "./auth.ts";
import { VaultClient } from "./client.ts";
import { nodeVaultPort } from "./node-vault.ts";
import type { VaultPort } from "./port.ts";
import { memoPerObject } from "../../support/memo.ts";
import { parseVaultSpec, type VaultSpec } from "./spec.ts";
import { setMostRecent } from "../../support/recent.ts";

export { parseVaultSpec, type VaultSpec } from "./spec.ts";
export { kvPath, splitKey, VaultClient } from "./client.ts";
export { VaultTokenCache } from "./auth.ts";
export type { VaultPort, VaultRequest, VaultResponse } from "./port.ts";

export interface VaultProviderOptions {
  /** Builds the port for a store; default: node-vault. Tests pass a hand-written fake. */
  readonly port?: (opts: { server: string; namespace?: string; caPem?: string }) => VaultPort;
  /** The token cache shared by this provider's clients; default: a new one. Tests inspect its counters. */
  readonly tokens?: VaultTokenCache;
}

async function caPem(spec: VaultSpec, ctx: StoreContext): Promise<string | undefined> {
  if (spec.caBundle !== undefined) return Buffer.from(spec.caBundle, "base64").toString("utf8");
  return spec.caProvider === undefined ? undefined : fromUtf8(await readCaProvider(ctx, spec.caProvider));
}

/** Ports kept per (server, namespace, CA): a node-vault instance is costly to build (it generates its API). */
const PORTS_MAX = 256;

function sharedPorts(make: (opts: { server: string; namespace?: string; caPem?: string }) => VaultPort): typeof make {
  const ports = new Map<string, VaultPort>();
  return (opts) => {
    const id = JSON.stringify([opts.server, opts.namespace ?? "", opts.caPem ?? ""]);
    let port = ports.get(id);
    if (port === undefined) {
      port = make(opts);
      setMostRecent(ports, id, port, PORTS_MAX);
    }
    return port;
  };
}

/** A store's vault spec, parsed once per spec object (validated and used on every refresh). */
const parsedSpec = memoPerObject(parseVaultSpec);

export function createVaultProvider(options: VaultProviderOptions = {}): Provider {
  const tokens = options.tokens ?? new VaultTokenCache();
  // A port holds no credentials (every request carries its store's token), so stores and
  // ExternalSecrets that talk to one server share it and its connections.
  const makePort = sharedPorts(options.port ?? nodeVaultPort);
  return {
    key: "vault",
    validateSpec(providerSpec: unknown): void {
      parsedSpec(providerSpec);
    },
    async newClient(ctx: StoreContext): Promise<SecretsClient> {
      const spec = parsedSpec(ctx.providerSpec);
      const ca = await caPem(spec, ctx);
      const port = makePort({
        server: spec.server,
        ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
        ...(ca === undefined ? {} : { caPem: ca }),
      });
      // A SecretStore's credentials depend on the namespace it reads from; a ClusterSecretStore's
      // kubernetes/jwt auth may too (serviceAccountRef without namespace), so the key includes it.
      const cacheKey = JSON.stringify([ctx.storeKind, ctx.storeName, ctx.namespace, spec.server, spec.namespace ?? "", spec.auth]);
      return new VaultClient(spec, port, tokens, cacheKey, ctx);
    },
  };
}

/** The provider the registry loads. */
export const provider: Provider = createVaultProvider();
