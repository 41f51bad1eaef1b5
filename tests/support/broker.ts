/**
 * `withBroker()`: runs a test body against a fresh broker on a free port and always closes it.
 *
 * @module
 */

import { type BrokerHandle, type BrokerOptions, startBroker } from "../../lib/broker/mod.ts";

/**
 * Starts a broker on 127.0.0.1:0 with the given options, collects its log lines, runs `fn`,
 * then closes the broker.
 *
 * @example
 * ```ts
 * await withBroker({ topics: ["t"] }, async (broker) => console.log(broker.url));
 * ```
 */
export async function withBroker<T>(
  options: BrokerOptions,
  fn: (broker: BrokerHandle, logs: string[]) => Promise<T>,
): Promise<T> {
  const logs: string[] = [];
  const broker = await startBroker({
    port: 0,
    logger: (line) => logs.push(line),
    ...options,
  });
  try {
    return await fn(broker, logs);
  } finally {
    await broker.close();
  }
}
