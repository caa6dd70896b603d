/**
 * Samples of the Prometheus text exposition format, for tests and benchmarks that read a process's
 * `/metrics` (kseal's own, the API server's). No vitest here, so bench/ can import it.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of `text` (comments and blank lines skipped; a trailing timestamp ignored). */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    const labelled = brace !== -1 && (space === -1 || brace < space);
    const close = labelled ? line.lastIndexOf("}") : -1;
    const name = line.slice(0, labelled ? brace : space);
    const labels: Record<string, string> = {};
    if (labelled) for (const m of line.slice(brace + 1, close).matchAll(LABEL)) labels[m[1] ?? ""] = (m[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    const value = line.slice(labelled ? close + 1 : space).trim().split(" ")[0] ?? "";
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The samples of metric `name` whose labels include all of `labels`. */
export function samplesOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of {@link samplesOf}; NaN when there is no such sample. */
export function sumOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  const matching = samplesOf(samples, name, labels);
  return matching.length === 0 ? Number.NaN : matching.reduce((n, s) => n + s.value, 0);
}
