/**
 * A small single-node broker speaking the real Kafka wire protocol (TCP or TLS, SASL PLAIN,
 * SCRAM and OAUTHBEARER with a local token endpoint, per-user topic ACLs, optional persistence). It is the peer of every end-to-end test and
 * the engine of the offline playground; kafkajs, kcat and confluent-kafka work against it
 * unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBroker } from "./mod.ts";
 * await using broker = await startBroker({ port: 0, topics: ["igwn.gwalert"], logger: () => {} });
 * assert.equal(`${broker.url} (${broker.protocol})`, `kafka://127.0.0.1:${broker.port} (PLAINTEXT)`);
 * ```
 *
 * @module
 */

export {
  type BrokerHandle,
  type BrokerOptions,
  type BrokerTopic,
  type BrokerUser,
  startBroker,
} from "./broker.ts";
export { BrokerStartError } from "./errors.ts";
export type { OAuthBearerOptions } from "./oauth_bearer.ts";
export {
  generateSigningKey,
  type JwtAlgorithm,
  type JwtChecks,
  type JwtClaims,
  JwtError,
  type SigningKey,
  signJwt,
  verifyJwt,
} from "./jwt.ts";
export {
  startTokenEndpoint,
  type TokenClient,
  type TokenEndpointHandle,
  type TokenEndpointOptions,
  type TokenRequestRecord,
} from "./token_endpoint.ts";
export {
  BrokerFaults,
  type FaultAction,
  type FaultHandle,
  type FaultOutcome,
  type FaultRequest,
  type FaultRule,
  type RequestFilter,
} from "./faults.ts";
export {
  type BrokerClock,
  type Clock,
  type ClockTimer,
  ManualClock,
  systemClock,
} from "./clock.ts";
