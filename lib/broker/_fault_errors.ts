/**
 * Error answers for injected faults: for each API, a response that carries one error code in
 * every error field the API has (top level, per topic, per partition), built from the decoded
 * request so that every topic and partition asked about is answered.
 *
 * @module
 */

import { ApiKey } from "../protocol/api.ts";
import { decodeFetchRequest, encodeFetchResponse } from "../protocol/messages/fetch.ts";
import {
  decodeDescribeGroupsRequest,
  decodeFindCoordinatorRequest,
  decodeHeartbeatRequest,
  decodeJoinGroupRequest,
  decodeLeaveGroupRequest,
  decodeSyncGroupRequest,
  encodeDescribeGroupsResponse,
  encodeFindCoordinatorResponse,
  encodeHeartbeatResponse,
  encodeJoinGroupResponse,
  encodeLeaveGroupResponse,
  encodeSyncGroupResponse,
} from "../protocol/messages/groups.ts";
import {
  decodeInitProducerIdRequest,
  encodeInitProducerIdResponse,
} from "../protocol/messages/init_producer_id.ts";
import {
  decodeListOffsetsRequest,
  encodeListOffsetsResponse,
} from "../protocol/messages/list_offsets.ts";
import { decodeMetadataRequest, encodeMetadataResponse } from "../protocol/messages/metadata.ts";
import {
  decodeOffsetCommitRequest,
  decodeOffsetFetchRequest,
  encodeOffsetCommitResponse,
  encodeOffsetFetchResponse,
} from "../protocol/messages/offsets.ts";
import { decodeProduceRequest, encodeProduceResponse } from "../protocol/messages/produce.ts";
import {
  decodeCreateTopicsRequest,
  decodeDeleteTopicsRequest,
  encodeCreateTopicsResponse,
  encodeDeleteTopicsResponse,
} from "../protocol/messages/topics.ts";
import type { ProtocolReader } from "../protocol/reader.ts";
import type { ProtocolWriter } from "../protocol/writer.ts";
import type { BrokerContext } from "./_context.ts";

type ErrorAnswer = (
  ctx: BrokerContext,
  version: number,
  r: ProtocolReader,
  w: ProtocolWriter,
  errorCode: number,
) => void;

const EMPTY = new Uint8Array(0);

/** APIs an `error` fault can answer, by api key. */
export const ERROR_ANSWERS: ReadonlyMap<number, ErrorAnswer> = new Map<number, ErrorAnswer>([
  [ApiKey.Produce, (_ctx, version, r, w, errorCode) => {
    const request = decodeProduceRequest(r);
    encodeProduceResponse(
      w,
      version,
      request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          index: p.index,
          errorCode,
          baseOffset: -1,
          logAppendTimeMs: -1,
          logStartOffset: -1,
        })),
      })),
    );
  }],
  [ApiKey.Fetch, (_ctx, version, r, w, errorCode) => {
    const request = decodeFetchRequest(r, version);
    encodeFetchResponse(
      w,
      version,
      request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          errorCode,
          highWatermark: -1,
          logStartOffset: -1,
          batches: [],
          bytes: 0,
        })),
      })),
    );
  }],
  [ApiKey.ListOffsets, (_ctx, version, r, w, errorCode) => {
    const topics = decodeListOffsetsRequest(r, version);
    encodeListOffsetsResponse(
      w,
      version,
      topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          errorCode,
          timestamp: -1,
          offset: -1,
        })),
      })),
    );
  }],
  [ApiKey.Metadata, (ctx, version, r, w, errorCode) => {
    const request = decodeMetadataRequest(r, version);
    const names = request.topics ?? [...ctx.cluster.topics.keys()];
    encodeMetadataResponse(
      w,
      version,
      {
        nodeId: ctx.nodeId,
        host: ctx.host,
        port: ctx.port,
        clusterId: ctx.clusterId,
        leaderEpoch: 0,
      },
      names.map((name) => ({ name, errorCode, partitionCount: 0 })),
    );
  }],
  [ApiKey.OffsetCommit, (_ctx, version, r, w, errorCode) => {
    const request = decodeOffsetCommitRequest(r, version);
    encodeOffsetCommitResponse(
      w,
      version,
      request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })),
      })),
    );
  }],
  [ApiKey.OffsetFetch, (_ctx, version, r, w, errorCode) => {
    const request = decodeOffsetFetchRequest(r, version);
    encodeOffsetFetchResponse(w, version, {
      errorCode,
      topics: (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitions.map((partition) => ({
          partition,
          offset: -1n,
          metadata: "",
          errorCode,
        })),
      })),
    });
  }],
  [ApiKey.FindCoordinator, (_ctx, version, r, w, errorCode) => {
    decodeFindCoordinatorRequest(r, version);
    encodeFindCoordinatorResponse(w, version, {
      errorCode,
      errorMessage: null,
      nodeId: -1,
      host: "",
      port: -1,
    });
  }],
  [ApiKey.JoinGroup, (_ctx, version, r, w, errorCode) => {
    const request = decodeJoinGroupRequest(r, version);
    encodeJoinGroupResponse(w, version, {
      errorCode,
      generationId: -1,
      protocolName: "",
      leader: "",
      memberId: request.memberId,
      members: [],
    });
  }],
  [ApiKey.Heartbeat, (_ctx, version, r, w, errorCode) => {
    decodeHeartbeatRequest(r, version);
    encodeHeartbeatResponse(w, version, errorCode);
  }],
  [ApiKey.LeaveGroup, (_ctx, version, r, w, errorCode) => {
    const request = decodeLeaveGroupRequest(r, version);
    encodeLeaveGroupResponse(w, version, {
      errorCode,
      members: request.members.map((m) => ({ ...m, errorCode })),
    });
  }],
  [ApiKey.SyncGroup, (_ctx, version, r, w, errorCode) => {
    decodeSyncGroupRequest(r, version);
    encodeSyncGroupResponse(w, version, { errorCode, assignment: EMPTY });
  }],
  [ApiKey.DescribeGroups, (_ctx, version, r, w, errorCode) => {
    const groupIds = decodeDescribeGroupsRequest(r);
    encodeDescribeGroupsResponse(
      w,
      version,
      groupIds.map((groupId) => ({
        errorCode,
        groupId,
        state: "",
        protocolType: "",
        protocol: "",
        members: [],
      })),
    );
  }],
  [ApiKey.CreateTopics, (_ctx, version, r, w, errorCode) => {
    const request = decodeCreateTopicsRequest(r, version);
    encodeCreateTopicsResponse(
      w,
      version,
      request.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })),
    );
  }],
  [ApiKey.DeleteTopics, (_ctx, version, r, w, errorCode) => {
    const request = decodeDeleteTopicsRequest(r);
    encodeDeleteTopicsResponse(w, version, request.names.map((name) => ({ name, errorCode })));
  }],
  [ApiKey.InitProducerId, (_ctx, _version, r, w, errorCode) => {
    decodeInitProducerIdRequest(r);
    encodeInitProducerIdResponse(w, { errorCode, producerId: -1, producerEpoch: -1 });
  }],
]);
