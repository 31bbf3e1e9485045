"""Publishes messages with thoth-messaging's own message classes and producer.

Runs in .venv/thoth (scripts/python-venv.sh). Reads a JSON array on stdin, one object per
message: {"base_name": "<base name of one of the 19 types>", "fields": {...model fields...}}.
For each, it builds the thoth-messaging model of that type from the fields (pydantic checks the
fields the model requires and their types) and sends it with publish_to_topic() through a
producer from create_producer(), i.e. configured from the KAFKA_* variables as upstream does; the
topic is <THOTH_DEPLOYMENT_NAME>.<base name>. After a flush that must leave nothing queued, it
prints one JSON line per message: {"base_name", "topic", "value"} (value = the JSON text sent).
"""

import json
import sys

from thoth.messaging import ALL_MESSAGES
from thoth.messaging.producer import create_producer, publish_to_topic


def main() -> None:
    by_base_name = {m.base_name: m for m in ALL_MESSAGES}
    if len(by_base_name) != 19:
        raise SystemExit(f"expected 19 message types, thoth-messaging has {len(by_base_name)}")
    producer = create_producer()
    sent = []
    for item in json.load(sys.stdin):
        message_type = by_base_name[item["base_name"]]
        contents = message_type.model(**item["fields"])
        publish_to_topic(producer, message_type, contents)
        sent.append({"base_name": message_type.base_name, "topic": message_type.topic_name, "value": contents.json()})
    left = producer.flush(30)
    if left:
        raise SystemExit(f"{left} messages not delivered within 30 s")
    for line in sent:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
