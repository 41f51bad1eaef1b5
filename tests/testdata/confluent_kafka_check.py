"""Exercises a broker with python3-confluent-kafka: AdminClient, Producer and a group Consumer.

Settings come from the environment (BOOTSTRAP, SASL_USER, SASL_PASSWORD, CA_FILE, TOPIC).
Prints one line per observed fact; the Deno test compares them.
"""
import os
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

conf = {
    "bootstrap.servers": os.environ["BOOTSTRAP"],
    "security.protocol": "SASL_SSL",
    "sasl.mechanisms": "SCRAM-SHA-512",
    "sasl.username": os.environ["SASL_USER"],
    "sasl.password": os.environ["SASL_PASSWORD"],
    "ssl.ca.location": os.environ["CA_FILE"],
}
topic = os.environ["TOPIC"]

admin = AdminClient(conf)
for name, future in admin.create_topics([NewTopic(topic, 2)], operation_timeout=10).items():
    future.result(timeout=15)
    print("created", name)
try:
    admin.create_topics([NewTopic(topic, 1)])[topic].result(timeout=15)
except KafkaException as e:
    print("create again", e.args[0].name())
listed = admin.list_topics(timeout=10)
print("listed", sorted(listed.topics), len(listed.topics[topic].partitions))
resource = ConfigResource("topic", topic)
for res, future in admin.describe_configs([resource]).items():
    configs = future.result(timeout=15)
    entry = configs["max.message.bytes"]
    print("max.message.bytes", entry.value, entry.source)
    print("retention.ms", configs["retention.ms"].value)

producer = Producer(conf)
reports = []
for i in range(4):
    producer.produce(
        topic,
        value=b"value-%d" % i,
        key=b"key-%d" % i,
        partition=i % 2,
        headers=[("h", b"%d" % i), ("h", b"again")],
        on_delivery=lambda err, msg: reports.append((err, msg.partition(), msg.offset())),
    )
producer.flush(15)
print("delivered", sorted((p, o) for err, p, o in reports if err is None))

consumer = Consumer(dict(conf, **{
    "group.id": "py-group",
    "auto.offset.reset": "earliest",
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 500,
    "enable.auto.commit": False,
}))
consumer.subscribe([topic])
seen = []
while len(seen) < 4:
    msg = consumer.poll(10)
    if msg is None:
        print("timeout waiting for messages")
        sys.exit(1)
    if msg.error():
        print("consumer error", msg.error())
        sys.exit(1)
    seen.append("%d/%d/%s/%s/%s" % (msg.partition(), msg.offset(), msg.key().decode(),
                                     msg.value().decode(),
                                     ",".join("%s=%s" % (k, v.decode()) for k, v in msg.headers())))
    consumer.commit(msg, asynchronous=False)
for line in sorted(seen):
    print("consumed", line)
committed = consumer.committed([TopicPartition(topic, 0), TopicPartition(topic, 1)], timeout=10)
print("committed", sorted((tp.partition, tp.offset) for tp in committed))
consumer.close()

for name, future in admin.delete_topics([topic], operation_timeout=10).items():
    future.result(timeout=15)
    print("deleted", name)
print("after delete", topic in admin.list_topics(timeout=10).topics)
