/**
 * Kept for importers of the former module; the CLI broker lives in `cli.ts`.
 *
 * @module
 */

export { type CliBroker, startCliBroker } from "./cli.ts";
