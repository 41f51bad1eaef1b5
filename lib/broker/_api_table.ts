/**
 * The table of implemented APIs. ApiVersions answers are generated from it, so what is
 * advertised is exactly what is implemented.
 *
 * @module
 */

import { ApiKey } from "../protocol/api.ts";
import {
  encodeApiVersionsResponse,
  encodeUnsupportedApiVersionsResponse,
} from "../protocol/messages/api_versions.ts";
import type { ProtocolWriter } from "../protocol/writer.ts";
import type { ApiHandler, RequestHandler } from "./_context.ts";
import {
  handleFetch,
  handleInitProducerId,
  handleListOffsets,
  handleMetadata,
  handleProduce,
} from "./_data_handlers.ts";
import {
  handleDescribeGroups,
  handleFindCoordinator,
  handleHeartbeat,
  handleJoinGroup,
  handleLeaveGroup,
  handleListGroups,
  handleOffsetCommit,
  handleOffsetFetch,
  handleSyncGroup,
} from "./_group_handlers.ts";
import {
  handleCreateTopics,
  handleDeleteTopics,
  handleDescribeConfigs,
} from "./_admin_handlers.ts";
import { handleSaslAuthenticate, handleSaslHandshake } from "./_sasl_handlers.ts";

const handleApiVersions: RequestHandler = (req, _r, w) => writeApiVersions(w, req.version);

/** Writes an ApiVersions body; versions above 3 get the KIP-511 v0-shaped error answer. */
export function writeApiVersions(w: ProtocolWriter, version: number): void {
  if (version > 3) {
    const own = API_TABLE.get(ApiKey.ApiVersions)!;
    encodeUnsupportedApiVersionsResponse(w, { apiKey: ApiKey.ApiVersions, ...own });
    return;
  }
  encodeApiVersionsResponse(
    w,
    version,
    [...API_TABLE.entries()].map(([apiKey, api]) => ({ apiKey, ...api })),
  );
}

function api(
  name: string,
  minVersion: number,
  maxVersion: number,
  handle: RequestHandler,
): ApiHandler {
  return { name, minVersion, maxVersion, handle };
}

/** Implemented APIs by key; version ranges chosen for kafkajs 2.2.4 and librdkafka 2.0.2. */
export const API_TABLE: ReadonlyMap<number, ApiHandler> = new Map([
  [ApiKey.Produce, api("Produce", 3, 7, handleProduce)],
  [ApiKey.Fetch, api("Fetch", 4, 11, handleFetch)],
  [ApiKey.ListOffsets, api("ListOffsets", 1, 3, handleListOffsets)],
  [ApiKey.Metadata, api("Metadata", 0, 8, handleMetadata)],
  [ApiKey.OffsetCommit, api("OffsetCommit", 2, 7, handleOffsetCommit)],
  [ApiKey.OffsetFetch, api("OffsetFetch", 1, 5, handleOffsetFetch)],
  [ApiKey.FindCoordinator, api("FindCoordinator", 0, 2, handleFindCoordinator)],
  [ApiKey.JoinGroup, api("JoinGroup", 0, 5, handleJoinGroup)],
  [ApiKey.Heartbeat, api("Heartbeat", 0, 3, handleHeartbeat)],
  [ApiKey.LeaveGroup, api("LeaveGroup", 0, 3, handleLeaveGroup)],
  [ApiKey.SyncGroup, api("SyncGroup", 0, 3, handleSyncGroup)],
  [ApiKey.DescribeGroups, api("DescribeGroups", 0, 2, handleDescribeGroups)],
  [ApiKey.ListGroups, api("ListGroups", 0, 2, handleListGroups)],
  [ApiKey.SaslHandshake, api("SaslHandshake", 0, 1, handleSaslHandshake)],
  [ApiKey.ApiVersions, api("ApiVersions", 0, 3, handleApiVersions)],
  [ApiKey.CreateTopics, api("CreateTopics", 0, 4, handleCreateTopics)],
  [ApiKey.DeleteTopics, api("DeleteTopics", 0, 3, handleDeleteTopics)],
  [ApiKey.InitProducerId, api("InitProducerId", 0, 1, handleInitProducerId)],
  [ApiKey.DescribeConfigs, api("DescribeConfigs", 0, 2, handleDescribeConfigs)],
  [ApiKey.SaslAuthenticate, api("SaslAuthenticate", 0, 1, handleSaslAuthenticate)],
]);
