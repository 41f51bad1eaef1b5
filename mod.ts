/**
 * IGWN alerts for Deno: listen to and publish LIGO/Virgo/KAGRA GraceDB alerts on SCiMMA's
 * Hopskotch Kafka, with the same `auth.toml` files, message formats and wire bytes as the Python
 * `hop-client` and `igwn-alert` packages.
 *
 * - {@linkcode Client}: the igwn-alert client (listen, publish, topics).
 * - {@linkcode openStream}: hop-style streams over any Kafka URL.
 * - `@igwn/alert/playground`: the offline GraceDB (simulated alerts, a local playground broker).
 * - `@igwn/alert/broker`: a small Kafka-protocol broker for tests and the offline playground.
 *
 * This module loads neither of the last two: importing it loads only the client and its Kafka
 * layer.
 *
 * @example Listen to superevent alerts
 * ```ts ignore
 * import { Client } from "@igwn/alert";
 *
 * await using client = new Client({ group: "gracedb-playground" });
 * for await (const alert of client.listen(["superevent"])) {
 *   console.log(alert.topic, alert.payload.alert_type);
 * }
 * ```
 *
 * @module
 */
export * from "./lib/hop/mod.ts";
export * from "./lib/alert/mod.ts";

// `deno run -A jsr:@igwn/alert listen ...` runs this module: act as the CLI then, and only then,
// so that importing the library loads no CLI code.
if (import.meta.main) {
  const { runCli } = await import("./lib/cli/main.ts");
  Deno.exit(await runCli(Deno.args));
}
