/**
 * An offline GraceDB: simulated superevent lifecycles published on the project's own broker, so
 * that alert handlers can be tried without SCiMMA credentials or a Kafka cluster.
 *
 * @example Feed a handler with one simulated lifecycle, without any broker
 * ```ts
 * import assert from "node:assert";
 * import { simulateLifecycles } from "./mod.ts";
 *
 * const steps = [...simulateLifecycles({ seed: 1, count: 1 })];
 * // A lifecycle starts with a pipeline upload, then the superevent is created.
 * assert.match(steps[0].topic, /^gracedb\.cbc_/);
 * const created = steps.find((step) => step.topic === "gracedb.superevent");
 * assert.strictEqual(created?.alert.alert_type, "new");
 * // The same seed gives the same alerts.
 * assert.deepStrictEqual([...simulateLifecycles({ seed: 1, count: 1 })], steps);
 * ```
 *
 * @module
 */
export * from "./simulate.ts";
export * from "./topics.ts";
export * from "./publish.ts";
export * from "./playground.ts";
export * from "./public_alerts.ts";
