/**
 * CreateTopics, DeleteTopics and DescribeConfigs.
 *
 * @module
 */

import { ErrorCode } from "../protocol/api.ts";
import { TOPIC_CONFIG_DEFAULTS, topicConfigProblem, topicNameProblem } from "./_cluster.ts";
import { canTopic, type RequestHandler, type RequestInfo } from "./_context.ts";

/** Largest partition count accepted, to keep a hostile request from exhausting memory. */
export const MAX_PARTITIONS = 1000;

function mayCreate(req: RequestInfo, name: string): boolean {
  return req.ctx.acl.canCluster(req.session.principal, "create") || canTopic(req, "create", name);
}

/** CreateTopics v0-v4: -1 partitions/replication mean the defaults in every version. */
export const handleCreateTopics: RequestHandler = async (req, r, w) => {
  const v = req.version;
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.int32(),
    replication: r.int16(),
    assignments: r.array((r) => ({ partition: r.int32(), brokers: r.array((r) => r.int32()) })),
    configs: r.array((r) => ({ name: r.string(), value: r.nullableString() })),
  }));
  r.int32();
  const validateOnly = v >= 1 ? r.bool() : false;
  const { cluster } = req.ctx;
  const results: { name: string; error: number; message: string | null }[] = [];
  const seen = new Set<string>();
  for (const t of topics) {
    const fail = (error: number, message: string) => results.push({ name: t.name, error, message });
    const partitions = t.assignments.length > 0
      ? t.assignments.length
      : t.partitions === -1
      ? 1
      : t.partitions;
    const configProblem = t.configs.map((c) => topicConfigProblem(c.name, c.value)).find((p) => p);
    if (seen.has(t.name)) {
      fail(ErrorCode.InvalidRequest, `topic ${t.name} appears twice in the request`);
    } else if (!mayCreate(req, t.name)) {
      fail(ErrorCode.TopicAuthorizationFailed, `not authorized to create ${t.name}`);
    } else if (topicNameProblem(t.name)) fail(ErrorCode.InvalidTopic, topicNameProblem(t.name)!);
    else if (cluster.topics.has(t.name) || cluster.isCreating(t.name)) {
      fail(ErrorCode.TopicAlreadyExists, `Topic '${t.name}' already exists.`);
    } else if (partitions < 1 || partitions > MAX_PARTITIONS) {
      fail(
        ErrorCode.InvalidPartitions,
        `number of partitions must be between 1 and ${MAX_PARTITIONS}`,
      );
    } else if (t.replication !== -1 && t.replication !== 1) {
      fail(
        ErrorCode.InvalidReplicationFactor,
        `replication factor ${t.replication} is larger than the 1 available broker`,
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
      results.push({ name: t.name, error: 0, message: null });
    }
    seen.add(t.name);
  }
  if (v >= 2) w.int32(0);
  w.array(results, (w, t) => {
    w.string(t.name).int16(t.error);
    if (v >= 1) w.string(t.message);
  });
};

/** DeleteTopics v0-v3: removes the log files and the topic's committed offsets too. */
export const handleDeleteTopics: RequestHandler = async (req, r, w) => {
  const names = r.array((r) => r.string());
  r.int32();
  const results: { name: string; error: number }[] = [];
  for (const name of names) {
    let error: number = ErrorCode.None;
    if (!canTopic(req, "delete", name)) error = ErrorCode.TopicAuthorizationFailed;
    else if (!req.ctx.cluster.topics.has(name)) error = ErrorCode.UnknownTopicOrPartition;
    else {
      await req.ctx.cluster.deleteTopic(name);
      await req.ctx.offsets.deleteTopic(name);
      req.ctx.log(`deleted topic ${name} for ${req.session.principal}`);
    }
    results.push({ name, error });
  }
  if (req.version >= 1) w.int32(0);
  w.array(results, (w, t) => w.string(t.name).int16(t.error));
};

const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;

/** DescribeConfigs v0-v2 for topics (and a few broker settings). */
export const handleDescribeConfigs: RequestHandler = (req, r, w) => {
  const v = req.version;
  const resources = r.array((r) => ({
    type: r.int8(),
    name: r.string(),
    keys: r.nullableArray((r) => r.string()),
  }));
  if (v >= 1) r.bool();
  w.int32(0);
  w.array(resources, (w, res) => {
    let error: number = ErrorCode.None;
    let message: string | null = null;
    let entries: { name: string; value: string; source: number }[] = [];
    if (res.type === RESOURCE_TOPIC) {
      const topic = req.ctx.cluster.topics.get(res.name);
      if (!canTopic(req, "describeConfigs", res.name)) error = ErrorCode.TopicAuthorizationFailed;
      else if (!topic) {
        error = ErrorCode.UnknownTopicOrPartition;
        message = `topic ${res.name} does not exist`;
      } else {
        entries = Object.entries(TOPIC_CONFIG_DEFAULTS).map(([name, value]) => {
          const own = topic.config.get(name);
          return own === undefined
            ? { name, value, source: SOURCE_DEFAULT }
            : { name, value: own, source: SOURCE_TOPIC };
        });
      }
    } else if (res.type === RESOURCE_BROKER) {
      entries = [
        { name: "auto.create.topics.enable", value: String(req.ctx.autoCreateTopics), source: 4 },
        {
          name: "message.max.bytes",
          value: TOPIC_CONFIG_DEFAULTS["max.message.bytes"],
          source: SOURCE_DEFAULT,
        },
      ];
    } else {
      error = ErrorCode.InvalidRequest;
      message = `resource type ${res.type} is not supported`;
    }
    if (res.keys) entries = entries.filter((e) => res.keys!.includes(e.name));
    w.int16(error).string(message).int8(res.type).string(res.name);
    w.array(entries, (w, e) => {
      w.string(e.name).string(e.value).bool(false);
      if (v === 0) w.bool(e.source === SOURCE_DEFAULT);
      else w.int8(e.source);
      w.bool(false);
      if (v >= 1) w.int32(0);
    });
  });
};
