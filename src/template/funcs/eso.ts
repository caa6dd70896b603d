import type { GoFunc } from "../exec.ts";

/** ESO engine v2's own functions (added on top of sprig). */
export const ESO_FUNCS: ReadonlyMap<string, GoFunc> = new Map<string, GoFunc>([]);
