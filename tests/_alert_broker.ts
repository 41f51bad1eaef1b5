// Kept for importers of the former module: the alert broker lives in support/broker.ts and
// waits with deadlines in support/deadline.ts.

import { waitFor as waitUntil } from "./support/deadline.ts";

export {
  ALERT_DIR,
  type AlertBroker,
  readSample,
  SAMPLE_ALERTS,
  startAlertBroker,
  TOPICS,
  USERS,
} from "./support/broker.ts";
export { makeCertificate } from "./support/network.ts";

/**
 * Resolves when `predicate` holds; rejects after `ms` naming `what`.
 *
 * @deprecated use `waitFor(check, { deadlineMs, what })` from `./support/deadline.ts`.
 */
export async function waitFor(predicate: () => boolean, what: string, ms = 20_000): Promise<void> {
  await waitUntil(predicate, { deadlineMs: ms, what });
}
