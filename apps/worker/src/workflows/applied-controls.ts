// The controls (Updates) a mandate applied lately, by Update id, carried from run to run so that a
// control sent again is answered, not applied a second time. Temporal deduplicates an Update id
// only within the run that took it, and a mandate continues as new after every cycle; a client
// whose answer was lost (bill-service or the gateway died after the Update completed) sends the
// same request again, with the same Idempotency-Key and so the same Update id, possibly to the
// next run. Pure and deterministic: the workflow supplies every instant.
import type { AppliedControl } from '@billing/mandates';

/**
 * How long an applied control is remembered: as long as the gateway keeps a key's answer
 * (IDEMPOTENCY_TTL, 24 h). A retry after a lost answer comes within seconds or minutes; one a
 * day later would not be deduplicated by the gateway either.
 */
export const APPLIED_CONTROLS_KEPT_MS = 24 * 60 * 60 * 1000;
/**
 * And at most this many (the newest), so the state carried into the next run stays small: an id
 * is about 70 bytes, so 1,000 of them are some 70 KB of the run's input, far below Temporal's
 * 2 MB payload limit, and more than any mandate gets in a day from its people.
 */
export const APPLIED_CONTROLS_KEPT_MAX = 1_000;

export class AppliedControls {
  readonly #ids = new Map<string, string>();

  constructor(carried: readonly AppliedControl[] | undefined) {
    for (const { id, at } of carried ?? []) this.#ids.set(id, at);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string, at: Date): void {
    this.#ids.delete(id);
    this.#ids.set(id, at.toISOString());
  }

  /** What the next run is handed: those applied less than the kept window before `now`, the newest at most. */
  carry(now: Date): AppliedControl[] {
    const since = now.getTime() - APPLIED_CONTROLS_KEPT_MS;
    const kept = [...this.#ids].filter(([, at]) => new Date(at).getTime() > since).map(([id, at]) => ({ id, at }));
    return kept.slice(-APPLIED_CONTROLS_KEPT_MAX);
  }
}
