"""A chat client, in Python: subscribes to message_posted and takes the events by polling (the TS
client registers a handler instead), says it is typing, posts four messages (the fourth is
refused: RateLimited, a declared error), then closes its node.
    runtime-python/.venv/bin/python python/client.py tcp://127.0.0.1:PORT   (the address the server printed)"""

from __future__ import annotations

import asyncio
import os
import sys

from interop_runtime import PolledSubscription
from interop_runtime.node import Node

from gen.example_chat import ChatClient, ChatModule, Message, RateLimited


async def main() -> None:
    # Under `interop run` the node config comes in INTEROP_NODE_CONFIG; alone, dial the address given.
    config = os.environ.get("INTEROP_NODE_CONFIG")
    if config is None and len(sys.argv) < 2:
        sys.exit("usage: python python/client.py <the address the server printed>")
    node = await Node.start(config or {"node": "chat-client", "connect": [{"address": sys.argv[1], "modules": ["example.chat"]}]},
                            modules=[ChatModule])
    chat = ChatClient(node)

    # Events wait in the subscription's bounded queue (max_event_queue) until taken with next().
    messages: PolledSubscription[Message] = await PolledSubscription.open(chat.subscribe_message_posted)

    chat.typing("ada")  # one-way: no answer, nothing to await
    posted: list[int] = []
    for text in ["hello :)", "how is everyone?", "off to lunch :(", "one more"]:
        try:
            message = await chat.post(text)
            print(f'post("{text}") -> #{message.id}, mood {message.mood if message.mood is not None else "none"}')
            posted.append(message.id)
        except RateLimited as e:
            print(f'post("{text}") -> RateLimited: {e.message}, retry after {e.retry_after_ms} ms')
    # An event may arrive after the answer to its post: take events until every posted one was seen.
    seen: set[int] = set()
    while not seen.issuperset(posted):
        m = await messages.next(timeout_ms=10_000)  # DEADLINE_EXCEEDED if none comes within 10 s
        print(f'event message_posted: #{m.id} "{m.text}"')
        seen.add(m.id)
    await messages.unsubscribe()
    await node.close()


if __name__ == "__main__":
    asyncio.run(main())
