/** Waiting for what kseal-operator serves once its leader has created its keys. */
import { waitFor } from "../peers/process.ts";

/** Waits until `apiUrl` serves the sealing certificate (/v1/cert.pem); resolves its PEM. */
export function servedCertificate(apiUrl: string, timeoutMs = 90_000): Promise<string> {
  return waitFor("the sealing certificate", async () => {
    const res = await fetch(`${apiUrl}/v1/cert.pem`);
    return res.status === 200 ? res.text() : undefined;
  }, timeoutMs);
}

/** Waits until `apiUrl` serves the cluster's age recipients (/v1/age-recipients); resolves the first. */
export function servedRecipient(apiUrl: string, timeoutMs = 60_000): Promise<string> {
  return waitFor("the cluster's age recipient", async () => {
    const res = await fetch(`${apiUrl}/v1/age-recipients`);
    return res.status === 200 ? ((await res.json()) as { recipients: string[] }).recipients[0] : undefined;
  }, timeoutMs);
}
