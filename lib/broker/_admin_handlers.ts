/**
 * CreateTopics, DeleteTopics and DescribeConfigs.
 *
 * @module
 */

import { ErrorCode } from "../protocol/api.ts";
import {
  decodeCreateTopicsRequest,
  decodeDeleteTopicsRequest,
  decodeDescribeConfigsRequest,
  type DescribedConfigs,
  encodeCreateTopicsResponse,
  encodeDeleteTopicsResponse,
  encodeDescribeConfigsResponse,
  RESOURCE_BROKER,
  RESOURCE_TOPIC,
  SOURCE_DEFAULT,
  SOURCE_STATIC_BROKER,
  SOURCE_TOPIC,
} from "../protocol/messages/topics.ts";
import {
  MAX_PARTITIONS,
  TOPIC_CONFIG_DEFAULTS,
  topicConfigProblem,
  topicNameProblem,
} from "./_cluster.ts";
import { canTopic, type RequestHandler, type RequestInfo } from "./_context.ts";

function mayCreate(req: RequestInfo, name: string): boolean {
  return req.ctx.acl.canCluster(req.session.principal, "create") || canTopic(req, "create", name);
}

/** CreateTopics v0-v4: -1 partitions/replication mean the defaults in every version. */
export const handleCreateTopics: RequestHandler = async (req, r, w) => {
  const { topics, validateOnly } = decodeCreateTopicsRequest(r, req.version);
  const { cluster } = req.ctx;
  const results: { name: string; errorCode: number; errorMessage: string | null }[] = [];
  const seen = new Set<string>();
  for (const t of topics) {
    const fail = (errorCode: number, errorMessage: string) =>
      results.push({ name: t.name, errorCode, errorMessage });
    const partitions = t.assignments.length > 0
      ? t.assignments.length
      : t.partitions === -1
      ? 1
      : t.partitions;
    const nameProblem = topicNameProblem(t.name);
    const configProblem = t.configs.map((c) => topicConfigProblem(c.name, c.value)).find((p) => p);
    if (seen.has(t.name)) {
      fail(ErrorCode.InvalidRequest, `topic ${t.name} appears twice in the request`);
    } else if (!mayCreate(req, t.name)) {
      fail(ErrorCode.TopicAuthorizationFailed, `not authorized to create ${t.name}`);
    } else if (nameProblem) fail(ErrorCode.InvalidTopic, nameProblem);
    else if (cluster.topics.has(t.name) || cluster.isCreating(t.name)) {
      fail(ErrorCode.TopicAlreadyExists, `Topic '${t.name}' already exists.`);
    } else if (partitions < 1 || partitions > MAX_PARTITIONS) {
      fail(
        ErrorCode.InvalidPartitions,
        `number of partitions must be between 1 and ${MAX_PARTITIONS}`,
      );
    } else if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
      fail(
        ErrorCode.InvalidReplicationFactor,
        `replication factor ${t.replicationFactor} is larger than the 1 available broker`,
      );
    } else if (configProblem) fail(ErrorCode.InvalidConfig, configProblem);
    else {
      if (!validateOnly) {
        const config: Record<string, string> = {};
        for (const c of t.configs) if (c.value !== null) config[c.name] = c.value;
        await cluster.createTopic(t.name, partitions, config);
        req.ctx.log(
          `created topic ${t.name} with ${partitions} partition(s) for ${req.session.principal}`,
        );
      }
      results.push({ name: t.name, errorCode: 0, errorMessage: null });
    }
    seen.add(t.name);
  }
  encodeCreateTopicsResponse(w, req.version, results);
};

/** DeleteTopics v0-v3: removes the log files and the topic's committed offsets too. */
export const handleDeleteTopics: RequestHandler = async (req, r, w) => {
  const { names } = decodeDeleteTopicsRequest(r);
  const results: { name: string; errorCode: number }[] = [];
  for (const name of names) {
    let errorCode: number = ErrorCode.None;
    if (!canTopic(req, "delete", name)) errorCode = ErrorCode.TopicAuthorizationFailed;
    else if (!req.ctx.cluster.topics.has(name)) errorCode = ErrorCode.UnknownTopicOrPartition;
    else {
      await req.ctx.cluster.deleteTopic(name);
      await req.ctx.offsets.deleteTopic(name);
      req.ctx.log(`deleted topic ${name} for ${req.session.principal}`);
    }
    results.push({ name, errorCode });
  }
  encodeDeleteTopicsResponse(w, req.version, results);
};

/** DescribeConfigs v0-v2 for topics (and a few broker settings). */
export const handleDescribeConfigs: RequestHandler = (req, r, w) => {
  const resources = decodeDescribeConfigsRequest(r, req.version).map((res): DescribedConfigs => {
    const answer: DescribedConfigs = {
      errorCode: 0,
      errorMessage: null,
      type: res.type,
      name: res.name,
      entries: [],
    };
    if (res.type === RESOURCE_TOPIC) {
      const topic = req.ctx.cluster.topics.get(res.name);
      if (!canTopic(req, "describeConfigs", res.name)) {
        answer.errorCode = ErrorCode.TopicAuthorizationFailed;
      } else if (!topic) {
        answer.errorCode = ErrorCode.UnknownTopicOrPartition;
        answer.errorMessage = `topic ${res.name} does not exist`;
      } else {
        answer.entries = Object.entries(topic.defaults).map(([name, value]) => {
          const own = topic.config.get(name);
          return own === undefined
            ? { name, value, source: SOURCE_DEFAULT }
            : { name, value: own, source: SOURCE_TOPIC };
        });
      }
    } else if (res.type === RESOURCE_BROKER) {
      answer.entries = [
        {
          name: "auto.create.topics.enable",
          value: String(req.ctx.autoCreateTopics),
          source: SOURCE_STATIC_BROKER,
        },
        {
          name: "message.max.bytes",
          value: TOPIC_CONFIG_DEFAULTS["max.message.bytes"],
          source: SOURCE_DEFAULT,
        },
      ];
    } else {
      answer.errorCode = ErrorCode.InvalidRequest;
      answer.errorMessage = `resource type ${res.type} is not supported`;
    }
    if (res.keys) answer.entries = answer.entries.filter((e) => res.keys!.includes(e.name));
    return answer;
  });
  encodeDescribeConfigsResponse(w, req.version, resources);
};
