/**
 * HTTP/1.1 to the API server over Node's own `http`/`https` modules, with a keep-alive
 * {@link HttpAgent} per cluster.
 *
 * Why not undici (npm or the one behind the global `fetch`): it parses HTTP with llhttp compiled
 * to WebAssembly, and compiling and running that module is paid for in memory for the life of the
 * process — measured on Node 24 over 10,000 TLS requests: ~24 MB more resident memory after a
 * full collection (file-backed compiler pages of the `node` binary, WebAssembly code and memory),
 * and twice the V8 heap under load, for the same client CPU. Node's `http` uses the llhttp already
 * linked into the binary. An operator whose steady state is a target of its own (issue 10:
 * resident memory at 10,000 ExternalSecrets) pays that for nothing, so no HTTP in the operator
 * goes through undici (ADR 0008).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export { HttpAgent, HttpsAgent };

/**
 * No byte from the server for this long fails the request, as undici's header and body timeouts
 * did before (300 s each). A watch is ended earlier by its own server-side timeout and watchdog.
 */
const IDLE_TIMEOUT_MS = 300_000;

/** Request headers; a list is sent as one header line per value (`Impersonate-Group`). */
export type HeaderValues = Readonly<Record<string, string | readonly string[]>>;

export interface SendOptions {
  readonly method: string;
  readonly headers: HeaderValues;
  readonly body?: string | Uint8Array;
  /** The connection pool; its protocol must be the URL's (an HttpsAgent for https:). */
  readonly agent: HttpAgent;
  readonly signal?: AbortSignal;
}

/** The response; its body is a Node stream the caller must consume ({@link readBody}) or {@link discard}. */
export type HttpResponse = IncomingMessage & { readonly statusCode: number };

/**
 * Sends one request and resolves with the response once its headers are in. Rejects with the
 * transport's error (refused, reset, TLS failure, idle timeout) or, when `signal` aborts, with an
 * AbortError; an abort after the headers destroys the body stream.
 */
export function send(url: URL, options: SendOptions): Promise<HttpResponse> {
  const requestFn = url.protocol === "https:" ? httpsRequest : httpRequest;
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(options.headers)) headers[k] = typeof v === "string" ? v : [...v];
  if (options.body !== undefined) headers["content-length"] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = requestFn(url, {
      method: options.method,
      headers,
      agent: options.agent,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => {
      req.destroy(new Error(`no response from ${url.host} for ${String(IDLE_TIMEOUT_MS / 1000)} s`));
    });
    // Kept for the request's life: an error after the response (a reset mid-body, an abort) must
    // not be an unheard 'error' event; the body stream reports it to its reader.
    req.on("error", reject);
    req.once("response", (res) => {
      resolve(res as HttpResponse);
    });
    req.end(options.body);
  });
}

/** The whole body. */
export async function readBody(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const [only] = chunks;
  return chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks);
}

/** Reads and drops the body, so that the connection goes back to the pool. */
export async function discard(res: IncomingMessage): Promise<void> {
  res.resume();
  if (res.readableEnded) return;
  await new Promise<void>((resolve, reject) => {
    res.once("end", resolve);
    res.once("error", reject);
  });
}

/**
 * A keep-alive pool for one server: TLS settings for https:, none for http:. The TCP keep-alive
 * probe starts after 30 s idle (as client-go), inside the 60 s idle timeout of common cloud load
 * balancers.
 */
export function keepAliveAgent(server: string, tls: HttpsAgentTls = {}): HttpAgent {
  const common = { keepAlive: true, keepAliveMsecs: 30_000 };
  return new URL(server).protocol === "https:" ? new HttpsAgent({ ...common, ...tls }) : new HttpAgent(common);
}

/** The TLS options kseal sets on a pool (see access.ts's TlsSettings). */
export interface HttpsAgentTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
  readonly rejectUnauthorized?: boolean;
}
