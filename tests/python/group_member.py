"""An upstream-like investigator pod in a consumer group, for the mixed-group test (D-38).

Runs in .venv/thoth (scripts/python-venv.sh). The consumer comes from thoth-messaging's own
create_consumer(), i.e. configured from the KAFKA_* variables exactly as upstream
(kafka_config_from_env(): group.id, auto.offset.reset, enable.auto.commit, ...; no
partition.assignment.strategy, so librdkafka's default range,roundrobin). It subscribes to the
comma-separated topic names in GROUP_MEMBER_TOPICS and polls like upstream's loop (poll(0), sleep
1 s when nothing arrives, here 0.05 s to keep tests fast). Each record is "handled" by printing it
(after GROUP_MEMBER_HANDLE_SECONDS, default 0) and then committed as upstream does:
commit(message, asynchronous=True), errors ignored.

stdout, one JSON object per line:
  {"event": "assigned"|"revoked", "partitions": [[topic, partition], ...]}   rebalance callbacks
  {"event": "handled", "topic", "partition", "offset", "value"}
  {"event": "closed"}                                                       after close()
SIGTERM or SIGINT: stop polling, close() (commits and leaves the group), print "closed", exit 0.
"""

import json
import os
import signal
import sys
import time

from confluent_kafka import KafkaError
from thoth.messaging.consumer import create_consumer

running = True


def emit(obj) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def stop(signum, frame) -> None:
    global running
    running = False


def parts(partitions):
    return sorted([p.topic, p.partition] for p in partitions)


def main() -> None:
    topics = [t for t in os.environ["GROUP_MEMBER_TOPICS"].split(",") if t]
    handle_seconds = float(os.environ.get("GROUP_MEMBER_HANDLE_SECONDS", "0"))
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    consumer = create_consumer()
    # Rebalance callbacks only report: confluent-kafka assigns/unassigns itself after them.
    consumer.subscribe(
        topics,
        on_assign=lambda c, ps: emit({"event": "assigned", "partitions": parts(ps)}),
        on_revoke=lambda c, ps: emit({"event": "revoked", "partitions": parts(ps)}),
    )
    while running:
        msg = consumer.poll(0)
        if msg is None:
            time.sleep(0.05)
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise SystemExit(f"kafka error: {msg.error()}")
        if handle_seconds:
            time.sleep(handle_seconds)
        value = msg.value()
        emit({
            "event": "handled",
            "topic": msg.topic(),
            "partition": msg.partition(),
            "offset": msg.offset(),
            "value": value.decode("utf-8") if value is not None else None,
        })
        try:
            consumer.commit(message=msg, asynchronous=True)
        except Exception:  # upstream ignores commit errors
            pass
    consumer.close()
    emit({"event": "closed"})


if __name__ == "__main__":
    main()
