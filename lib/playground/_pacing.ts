// When each simulated alert is due on the real clock, kept apart from the publishing loop so that
// the schedule can be checked without waiting for it.

import type { SimulatedStep } from "./simulate.ts";

export interface PacingOptions {
  rate?: number;
  realtime?: boolean;
}

type Timing = Pick<
  SimulatedStep,
  "lifecycle" | "sequence" | "offsetMs" | "delayMs" | "lifecycleDurationMs"
>;

export class PublishSchedule {
  readonly paced: boolean;
  #began: number;
  #slotMs: number;
  #realtime: boolean;
  #rated: boolean;
  #lifecycleStart: number;
  #previousEnd: number;
  #scale = 1;

  constructor(options: PacingOptions, now: number) {
    this.#realtime = options.realtime ?? false;
    this.#rated = options.rate !== undefined;
    this.#slotMs = options.rate ? 60_000 / options.rate : 0;
    this.paced = this.#realtime || this.#rated;
    this.#began = this.#lifecycleStart = this.#previousEnd = now;
  }

  /** Real-clock time (same clock as `now`) at which `step` should be published. */
  dueAt(step: Timing): number {
    if (step.sequence === 0) {
      const slotStart = this.#began + step.lifecycle * this.#slotMs;
      if (this.#realtime) {
        // A lifecycle never overlaps the previous one; without a rate it also keeps its pause.
        this.#lifecycleStart = Math.max(
          slotStart,
          this.#previousEnd + (this.#rated ? 0 : step.delayMs),
        );
        this.#scale = 1;
      } else {
        // With only a rate, the lifecycle's timeline is squeezed into 90% of its slot.
        this.#lifecycleStart = slotStart;
        this.#scale = this.#rated
          ? Math.min(1, (0.9 * this.#slotMs) / Math.max(1, step.lifecycleDurationMs))
          : 0;
      }
    }
    return this.#lifecycleStart + step.offsetMs * this.#scale;
  }

  /** Records when the last alert of a lifecycle went out. */
  lifecycleEnded(now: number): void {
    this.#previousEnd = now;
  }
}
