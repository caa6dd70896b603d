/**
 * moto in server mode on loopback: AWS Secrets Manager and STS (among others) behind one endpoint.
 * moto accepts any static credentials; we hand out fixed fake ones so clients sign requests as usual.
 */
import { freePort, peerBin, startProcess, type PeerProcess } from "./process.ts";

export interface MotoPeer {
  readonly process: PeerProcess;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly region: "us-east-1";
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export async function start(opts: { logDir: string; daemon?: boolean }): Promise<MotoPeer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${String(port)}`;
  const proc = await startProcess({
    name: "moto",
    command: peerBin("moto_server"),
    args: ["-H", "127.0.0.1", "-p", String(port)],
    logDir: opts.logDir,
    ...(opts.daemon === undefined ? {} : { daemon: opts.daemon }),
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).status === 200,
  });
  return {
    process: proc,
    endpoint,
    region: "us-east-1",
    // moto's documented placeholder credentials: not secrets, they only make the SDK sign requests.
    accessKeyId: "testing",
    secretAccessKey: "testing",
  };
}
