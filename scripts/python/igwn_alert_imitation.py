"""The Python yardstick of scripts/bench_stack.ts: confluent_kafka (librdkafka) doing what the
Python igwn-alert client does on top of hop-client and adc-streaming, without those packages.

Publishing: hop's headers (`_id` = 16 random bytes of a UUID4, `_format` = `json`), the value
being the JSON string of the alert's JSON text (GraceDB's layout), librdkafka producer settings
as adc sets them. Listening: partitions assigned by hand (adc does not use group balancing),
`consume(1, 0.2)` (igwn-alert's batch_size and batch_timeout), the offset stored before the
handler and an asynchronous commit after it, auto-commit every 5 s, the payload decoded as hop and
igwn-alert do (`_format` header, JSON) and the alert text parsed once more, as a GraceDB handler
does. `read` is hop's stream read: `consume(100, 1.0)`, commit per batch, until the end.

Usage (one line of JSON on stdout at the end, "ready" on stderr once listening):
  igwn_alert_imitation.py latency BOOTSTRAP TOPIC COUNT
  igwn_alert_imitation.py listen BOOTSTRAP TOPIC GROUP COUNT [--print] [--forever]
                           [--sasl USER PASSWORD CA]
  igwn_alert_imitation.py read BOOTSTRAP TOPIC COUNT
  igwn_alert_imitation.py publish BOOTSTRAP TOPIC COUNT
"""

import json
import os
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition


with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench_stack_alert.json")) as f:
    TEMPLATE = json.load(f)


def alert(i):
    """Alert `i` as JSON text: the same superevent `log` alert as the Deno subjects write."""
    uid = "S261203%s" % str(i).rjust(6, "0")
    body = dict(TEMPLATE, uid=uid, object=dict(TEMPLATE["object"], superevent_id=uid))
    return json.dumps(body)


def log_error(error):
    print("kafka error: %s" % error, file=sys.stderr)


def security(args):
    """librdkafka settings of a hop credential given as `--sasl USER PASSWORD CA`."""
    if "--sasl" not in args:
        return {}
    user, password, ca = args[args.index("--sasl") + 1 : args.index("--sasl") + 4]
    return {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": user,
        "sasl.password": password,
        "ssl.ca.location": ca,
    }


def producer(bootstrap):
    """A producer with adc's settings (hop's default produce timeout 0: no limit)."""
    return Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": False,
        "message.timeout.ms": 0,
        "retry.backoff.ms": 100,
        "reconnect.backoff.ms": 100,
        "reconnect.backoff.max.ms": 10000,
        "compression.type": "none",
        "error_cb": log_error,
    })


def delivery(error, _message):
    if error is not None:
        raise KafkaException(error)


def write(producer, topic, text):
    """hop's `write` of a JSON string: headers `_id` and `_format`, then `produce` and `poll(0)`."""
    headers = [("_id", uuid.uuid4().bytes), ("_format", b"json")]
    value = json.dumps(text).encode("utf-8")
    while True:
        try:
            producer.produce(topic, value, headers=headers, on_delivery=delivery)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)


def consumer(bootstrap, topic, group, extra=None):
    """A consumer with adc's settings, every partition of `topic` assigned by hand."""
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 5000,
        "enable.auto.offset.store": False,
        "check.crcs": False,
        "queued.min.messages": 1000,
        "reconnect.backoff.ms": 100,
        "reconnect.backoff.max.ms": 10000,
        "default.topic.config": {"auto.offset.reset": "EARLIEST"},
        "error_cb": log_error,
    }
    config.update(extra or {})
    result = Consumer(config)
    metadata = result.list_topics(topic, timeout=10)
    partitions = metadata.topics[topic].partitions
    if not partitions:
        raise ValueError("topic %s does not exist on the broker, so can't subscribe" % topic)
    result.assign([TopicPartition(topic, p) for p in partitions])
    return result


def decode(message):
    """hop's deserialization (first `_format` header; `_test` skipped) and igwn-alert's payload."""
    headers = message.headers() or []
    if any(key == "_test" for key, _ in headers):
        return None
    formats = [value for key, value in headers if key == "_format"]
    if formats and formats[0].decode("utf-8").lower() == "json":
        content = json.loads(message.value().decode("utf-8"))
    else:
        content = message.value()
    try:
        return json.loads(content) if isinstance(content, (str, bytes)) else content
    except (ValueError, TypeError):
        return content


def peak_rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def listen(args):
    bootstrap, topic, group, count = args[0], args[1], args[2], int(args[3])
    printing = "--print" in args
    if "--forever" in args:
        count = float("inf")
    reader = consumer(bootstrap, topic, group, security(args))
    print("ready", file=sys.stderr, flush=True)
    handled = 0
    short_topic = topic.split(".")[1]

    def handler(topic, payload):  # igwn-alert calls back with these keyword arguments
        if printing:
            sys.stdout.write("%s %s %s\n" % (topic, payload["uid"], payload["alert_type"]))
            sys.stdout.flush()

    while handled < count:
        for message in reader.consume(num_messages=1, timeout=0.2):
            if message.error():
                raise KafkaException(message.error())
            reader.store_offsets(message)
            payload = decode(message)
            if payload is not None:
                handler(topic=short_topic, payload=payload)
                handled += 1
        reader.commit(asynchronous=True)
    reader.close()
    print(json.dumps({"handled": handled, "peakRssKb": peak_rss_kb()}), flush=True)


def read(args):
    bootstrap, topic, count = args[0], args[1], int(args[2])
    reader = consumer(bootstrap, topic, "bench-hop-%s" % uuid.uuid4().hex[:10],
                      {"enable.partition.eof": True})
    remaining = set(p.partition for p in reader.assignment())
    seen = 0
    while remaining:
        messages = reader.consume(num_messages=100, timeout=1.0)
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    remaining.discard(message.partition())
                    continue
                raise KafkaException(error)
            remaining.add(message.partition())
            reader.store_offsets(message)
            if decode(message) is not None:
                seen += 1
        if messages:
            reader.commit(asynchronous=True)
    reader.close()
    print(json.dumps({"handled": seen, "expected": count, "peakRssKb": peak_rss_kb()}))


def publish(args):
    bootstrap, topic, count = args[0], args[1], int(args[2])
    texts = [alert(i) for i in range(count)]
    started = time.monotonic()
    writer = producer(bootstrap)
    for text in texts:
        write(writer, topic, text)
    left = writer.flush()
    seconds = time.monotonic() - started
    if left:
        raise RuntimeError("%d messages left unsent" % left)
    print(json.dumps({"seconds": seconds, "peakRssKb": peak_rss_kb()}))


def latency(args):
    bootstrap, topic, count = args[0], args[1], int(args[2])
    reader = consumer(bootstrap, topic, "bench-latency-%s" % uuid.uuid4().hex[:10],
                      {"default.topic.config": {"auto.offset.reset": "LATEST"}})
    writer = producer(bootstrap)
    # Wait until the consumer fetches: one alert that it must see.
    write(writer, topic, alert(999999))
    writer.flush()
    deadline = time.monotonic() + 30
    while not reader.consume(num_messages=1, timeout=0.2):
        if time.monotonic() > deadline:
            raise RuntimeError("the consumer saw no alert within 30 s")
        write(writer, topic, alert(999999))
        writer.flush()
    reader.commit(asynchronous=True)
    samples = []
    for i in range(count):
        sent = time.perf_counter()
        write(writer, topic, alert(i))
        writer.flush()  # hop's publish() closes (flushes); librdkafka's 5 ms linger otherwise
        while True:
            messages = reader.consume(num_messages=1, timeout=5)
            if not messages:
                raise RuntimeError("alert %d did not arrive within 5 s" % i)
            message = messages[0]
            if message.error():
                raise KafkaException(message.error())
            reader.store_offsets(message)
            payload = decode(message)
            if payload["uid"] == "S261203%s" % str(i).rjust(6, "0"):
                samples.append((time.perf_counter() - sent) * 1000)
                reader.commit(asynchronous=True)
                break
            reader.commit(asynchronous=True)
    reader.close()
    print(json.dumps({"samples": samples}))


if __name__ == "__main__":
    mode = sys.argv[1]
    {"latency": latency, "listen": listen, "read": read, "publish": publish}[mode](sys.argv[2:])
