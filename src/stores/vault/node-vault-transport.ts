/**
 * The HTTP under node-vault: its documented `request-promise` option, served by Node's own
 * `http`/`https` with a keep-alive pool per Vault server (src/kube/transport.ts) instead of the
 * axios instance node-vault builds by default.
 *
 * Why: measured on Node 24 with 10,000 KV v2 reads from OpenBao on loopback, 50 in flight, the
 * default path cost 715–964 µs of client CPU per read and left the process at 241 MB resident;
 * this one 327–420 µs and 93 MB. A cold sync of 10,000 ExternalSecrets makes 10,000 such reads on
 * two cores shared with the API server (issue 10), so the difference is seconds of wall time.
 *
 * node-vault still builds every request (URL, token and namespace headers) and interprets every
 * answer (`handleVaultResponse`); this module only moves bytes, with axios' observable behaviour:
 * any status resolves, JSON bodies are parsed (other text is kept as text), a JSON body is sent
 * for `json: {...}`, and redirects are followed (Vault standbys answer 307 to the active node) —
 * except from https to http, which axios would follow.
 */
import { discard, keepAliveAgent, readBody, send, type HttpAgent, type HttpsAgentTls } from "../../kube/transport.ts";
import { tryParseJson } from "../support.ts";

/** The subset of request-promise options node-vault passes. */
interface RpOptions {
  readonly method: string;
  readonly uri: string;
  readonly headers?: Record<string, string>;
  readonly json?: unknown;
}

/** What node-vault reads from a request-promise response. */
interface RpResponse {
  readonly statusCode: number;
  readonly body: unknown;
  readonly request: { readonly path: string };
}

/** node-vault calls `defaults(rpDefaults)` once per client and then the returned function per request. */
export interface RequestPromiseModule {
  defaults(rpDefaults: { strictSSL?: boolean }): (options: RpOptions) => Promise<RpResponse>;
}

/** Vault needs one hop (standby → active); axios stopped at 21, a loop is cut off sooner here. */
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** As axios: parsed JSON, else the text itself (an empty body is ""). */
function parseBody(bytes: Buffer): unknown {
  const text = bytes.toString("utf8");
  const json = text === "" ? undefined : tryParseJson(text);
  return json === undefined ? text : json;
}

/**
 * Where a redirect leads, or undefined when it is not one to follow: not a redirect status, no
 * usable Location, or from https to http — the request carries the store's Vault token, which must
 * not cross the network in clear because a server said so.
 */
function redirectTarget(status: number, location: string | undefined, from: URL): URL | undefined {
  if (!REDIRECTS.has(status) || location === undefined) return undefined;
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    return undefined;
  }
  if (to.protocol !== "http:" && to.protocol !== "https:") return undefined;
  return from.protocol === "https:" && to.protocol === "http:" ? undefined : to;
}

/**
 * A request-promise stand-in for one client. `ca` is the store's CA bundle (PEM), if any; node-vault's
 * own VAULT_SKIP_VERIFY handling arrives as `rpDefaults.strictSSL === false` and is kept.
 */
export function nodeHttpRequestPromise(ca?: string): RequestPromiseModule {
  return {
    defaults(rpDefaults) {
      const tls: HttpsAgentTls = {
        ...(ca === undefined ? {} : { ca: Buffer.from(ca) }),
        ...(rpDefaults.strictSSL === false ? { rejectUnauthorized: false } : {}),
      };
      // One pool per origin: the server's, and any a redirect leads to (same TLS settings).
      const agents = new Map<string, HttpAgent>();
      const agentFor = (url: URL): HttpAgent => {
        let agent = agents.get(url.origin);
        if (agent === undefined) {
          agent = keepAliveAgent(url.origin, tls);
          agents.set(url.origin, agent);
        }
        return agent;
      };
      return async (options) => {
        let url = new URL(options.uri);
        let method = options.method;
        const headers: Record<string, string> = { accept: "application/json", ...options.headers };
        let body: string | undefined;
        if (typeof options.json === "object" && options.json !== null) {
          body = JSON.stringify(options.json);
          headers["content-type"] = "application/json";
        }
        for (let hop = 0; ; hop++) {
          const res = await send(url, { method, headers, agent: agentFor(url), ...(body === undefined ? {} : { body }) });
          const next = redirectTarget(res.statusCode, res.headers.location, url);
          if (next !== undefined && hop < MAX_REDIRECTS) {
            await discard(res);
            url = next;
            // As browsers and follow-redirects: 303 (and 301/302 after a POST) continue as a GET.
            if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === "POST")) {
              method = "GET";
              body = undefined;
              delete headers["content-type"];
            }
            continue;
          }
          return { statusCode: res.statusCode, body: parseBody(await readBody(res)), request: { path: url.pathname } };
        }
      };
    },
  };
}
