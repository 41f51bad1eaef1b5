/**
 * Shared state handed to every request handler.
 *
 * @module
 */

import type { ProtocolReader } from "../protocol/reader.ts";
import type { ProtocolWriter } from "../protocol/writer.ts";
import type { AccessControl, AclOperation } from "./acl.ts";
import type { Cluster } from "./_cluster.ts";
import type { GroupCoordinator } from "./group_coordinator.ts";
import type { OffsetStore } from "./offset_store.ts";
import type { SaslSession, UserStore } from "./sasl.ts";
import type { OAuthBearerOptions } from "./oauth_bearer.ts";
import type { BrokerClock } from "./clock.ts";
import type { BrokerFaults } from "./faults.ts";

/** Broker-wide state shared by all connections. */
export interface BrokerContext {
  readonly cluster: Cluster;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly clusterId: string;
  readonly autoCreateTopics: boolean;
  readonly acl: AccessControl;
  readonly users: UserStore;
  readonly saslEnabled: boolean;
  /** Mechanisms offered in SaslHandshake. */
  readonly saslMechanisms: readonly string[];
  /** How OAUTHBEARER tokens are checked; OAUTHBEARER is offered only with it. */
  readonly oauthBearer?: OAuthBearerOptions;
  readonly tls: boolean;
  readonly groups: GroupCoordinator;
  readonly offsets: OffsetStore;
  readonly closing: AbortSignal;
  /** Measures idle connections, delayed requests and group timeouts. */
  readonly clock: BrokerClock;
  /** Injected faults and request waiters. */
  readonly faults: BrokerFaults;
  /** Largest request accepted; also bounds the bytes buffered per connection. */
  readonly maxRequestBytes: number;
  /** A connection with no traffic and no request in progress for this long is closed. */
  readonly idleTimeoutMs: number;
  log(line: string): void;
  nextProducerId(): number;
}

/** Per-connection authentication state (Kafka's SaslServerAuthenticator states). */
export type SaslState =
  | { kind: "start" }
  | { kind: "legacyTokens"; mechanism: string; session: SaslSession }
  | { kind: "authenticate"; mechanism: string; session: SaslSession; reauthentication?: boolean }
  | { kind: "authenticated" };

/** What the broker knows about one connection. */
export interface ConnectionSession {
  readonly remote: string;
  principal: string;
  sasl: SaslState;
  /** When the authenticated session ends (an expiring token), in ms since the epoch. */
  sessionExpiresAt?: number;
  /** Set by a handler that wants the connection closed after its response is written. */
  closeAfterResponse?: string;
}

/** One decoded request header with its connection and broker. */
export interface RequestInfo {
  readonly ctx: BrokerContext;
  readonly session: ConnectionSession;
  readonly apiKey: number;
  readonly version: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

/** Decodes the request body from `r` and writes the response body to `w`; `false` = no response. */
export type RequestHandler = (
  req: RequestInfo,
  r: ProtocolReader,
  w: ProtocolWriter,
) => Promise<boolean | void> | boolean | void;

/** One implemented API and the version range it is advertised with. */
export interface ApiHandler {
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly handle: RequestHandler;
}

/** Asks the ACLs whether this connection's principal may do `op` on `topic`. */
export function canTopic(req: RequestInfo, op: AclOperation, topic: string): boolean {
  return req.ctx.acl.canTopic(req.session.principal, op, topic);
}

/** Asks the ACLs whether this connection's principal may use `group`. */
export function canGroup(req: RequestInfo, op: "read" | "describe", group: string): boolean {
  return req.ctx.acl.canGroup(req.session.principal, op, group);
}
