/**
 * The igwn-alert client: listen to and publish GraceDB alerts on a Hopskotch (Kafka) broker,
 * with GraceDB's payload types.
 *
 * @example Listen, then publish GraceDB-compatible alerts
 * ```ts ignore
 * import { Client } from "./mod.ts";
 *
 * await using client = new Client({ group: "gracedb-playground", consumerGroup: "my-pipeline" });
 * for await (const alert of client.listen(["superevent"])) {
 *   if (alert.payload.alert_type === "new") console.log("new superevent", alert.payload.uid);
 * }
 * ```
 *
 * @module
 */
export * from "./client.ts";
export * from "./client_options.ts";
export * from "./listen_types.ts";
export * from "./filter.ts";
export * from "./filter_expression.ts";
export * from "./format_alert.ts";
export * from "./metrics.ts";
export * from "./payload.ts";
export * from "./public_alert.ts";
export * from "./topic_naming.ts";
export * from "./types.ts";
export { GRACEDB_SCHEMAS } from "./gracedb_schemas.ts";
export type { Infer, Schema, SchemaReport, UnknownValue } from "./schema.ts";
