/**
 * An offline GraceDB: simulated superevent lifecycles published on the project's own broker, so
 * that alert handlers can be tried without SCiMMA credentials or a Kafka cluster.
 *
 * @example Feed a handler with one simulated lifecycle, without any broker
 * ```ts
 * import { simulateLifecycles } from "./mod.ts";
 *
 * for (const { topic, alert } of simulateLifecycles({ seed: 1, count: 1 })) {
 *   console.log(topic, alert.uid, alert.alert_type);
 * }
 * ```
 *
 * @module
 */
export * from "./simulate.ts";
export * from "./topics.ts";
export * from "./publish.ts";
export * from "./playground.ts";
