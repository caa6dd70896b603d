/**
 * The one clock of the runtime. Everything that waits or measures time takes a {@link Clock} so unit
 * tests drive time with {@link ManualClock} instead of sleeping.
 */

/** A cancellable one-shot timer handle. */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (or any fixed origin); never goes backwards in {@link ManualClock}. */
  now(): number;
  /** Runs `fn` once after `ms` (>= 0) milliseconds unless cancelled first. */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

/** The wall clock; timers are unref'd so a pending refresh never keeps the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return {
      cancel: () => {
        clearTimeout(t);
      },
    };
  },
};

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in deadline order (ties in
 * creation order), moving `now()` to each deadline before firing it.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.#seq++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return {
      cancel: () => {
        this.#timers.delete(id);
      },
    };
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: { id: number; at: number; fn: () => void } | undefined;
      for (const [id, t] of this.#timers) {
        if (t.at <= end && (next === undefined || t.at < next.at)) next = { id, ...t };
      }
      if (next === undefined) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = end;
  }
}

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when aborted first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal));
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r : new Error("aborted");
}

/** Capped exponential backoff: `min(cap, base * 2^attempt)` for attempt 0, 1, 2, … */
export function exponentialBackoff(attempt: number, baseMs: number, capMs: number): number {
  if (attempt <= 0) return Math.min(baseMs, capMs);
  // 2^attempt overflows to Infinity long after the cap is reached; min() handles it.
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 64));
}

/**
 * `signal.aborted`, as a call: TypeScript narrows the property after a loop condition and then
 * flags later checks as unnecessary, although an await in between may have aborted it.
 */
export function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
