"""The chat server, in Python: hosts example.chat (chat.interop). post() answers with the message
and publishes message_posted; more than 3 posts in 10 s are refused with RateLimited.
    runtime-python/.venv/bin/python python/server.py        (prints the address it listens on)"""

from __future__ import annotations

import asyncio
import os
import signal
import time

from interop_runtime import CallContext
from interop_runtime.node import Node

from gen.example_chat import ChatEvents, ChatHandlers, ChatModule, Message, Mood, RateLimited

LIMIT = 3
WINDOW_S = 10.0


class Chat(ChatHandlers):
    def __init__(self) -> None:
        self.events: ChatEvents | None = None  # set once the node is up
        self.recent: list[float] = []  # when the posts of the last WINDOW_S were accepted
        self.next_id = 1

    async def post(self, text: str, ctx: CallContext) -> Message:
        now = time.monotonic()
        self.recent = [t for t in self.recent if t > now - WINDOW_S]
        if len(self.recent) >= LIMIT:
            retry_after_ms = int((self.recent[0] + WINDOW_S - now) * 1000)
            raise RateLimited(retry_after_ms=retry_after_ms, message=f"at most {LIMIT} messages in {WINDOW_S:g} s")
        self.recent.append(now)
        mood = Mood.HAPPY if ":)" in text else Mood.SAD if ":(" in text else None
        message = Message(id=self.next_id, text=text, mood=mood)
        self.next_id += 1
        assert self.events is not None
        self.events.message_posted(message)
        return message

    async def typing(self, user: str, ctx: CallContext) -> None:
        print(f"{user} is typing (node {ctx.peer})")


async def main() -> None:
    chat = Chat()
    # Under `interop run` the node config comes in INTEROP_NODE_CONFIG; alone, listen on a free port.
    config = os.environ.get("INTEROP_NODE_CONFIG") or {
        "node": "chat-server", "modules": ["example.chat"], "listen": ["tcp://127.0.0.1:0"]}
    node = await Node.start(config, implementations={ChatModule.name: chat}, modules=[ChatModule])
    chat.events = ChatEvents(node)
    # node.endpoints: the addresses it listens on, with the port the system chose for `:0`.
    print(f"chat server listening on {' '.join(node.endpoints)}")

    # Ctrl-C, or SIGTERM from `interop run`: say GOODBYE to every peer, then exit.
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await node.close()


if __name__ == "__main__":
    asyncio.run(main())
