/**
 * Kafka API keys and error codes used by this project.
 *
 * @module
 */

/**
 * Numeric api keys of the request types the broker implements.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ApiKey } from "./api.ts";
 * assert.strictEqual(ApiKey.Produce, 0);
 * ```
 */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  DescribeConfigs: 32,
  SaslAuthenticate: 36,
} as const;

/**
 * Kafka error codes answered by the broker.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ErrorCode } from "./api.ts";
 * assert.strictEqual(ErrorCode.MessageTooLarge, 10);
 * ```
 */
export const ErrorCode = {
  UnknownServerError: -1,
  None: 0,
  OffsetOutOfRange: 1,
  CorruptMessage: 2,
  UnknownTopicOrPartition: 3,
  LeaderNotAvailable: 5,
  NotLeaderOrFollower: 6,
  RequestTimedOut: 7,
  ReplicaNotAvailable: 9,
  MessageTooLarge: 10,
  CoordinatorNotAvailable: 15,
  NotCoordinator: 16,
  InvalidTopic: 17,
  InvalidRequiredAcks: 21,
  IllegalGeneration: 22,
  InconsistentGroupProtocol: 23,
  InvalidGroupId: 24,
  UnknownMemberId: 25,
  InvalidSessionTimeout: 26,
  RebalanceInProgress: 27,
  TopicAuthorizationFailed: 29,
  GroupAuthorizationFailed: 30,
  ClusterAuthorizationFailed: 31,
  UnsupportedSaslMechanism: 33,
  IllegalSaslState: 34,
  UnsupportedVersion: 35,
  TopicAlreadyExists: 36,
  InvalidPartitions: 37,
  InvalidReplicationFactor: 38,
  InvalidConfig: 40,
  InvalidRequest: 42,
  SaslAuthenticationFailed: 58,
  KafkaStorageError: 56,
  GroupIdNotFound: 69,
  FencedLeaderEpoch: 74,
  UnknownLeaderEpoch: 75,
  UnsupportedCompressionType: 76,
  MemberIdRequired: 79,
  InvalidRecord: 87,
} as const;
