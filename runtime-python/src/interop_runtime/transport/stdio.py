"""stdio plugins (docs/wire.md §8), both directions: a parent spawning a plugin executable and
speaking frames over its stdin/stdout (the plugin's stderr is its log), and a plugin serving on
its own stdin/stdout. Shutdown of a plugin: GOODBYE, close stdin, SIGTERM after the grace period,
SIGKILL after a second one."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Sequence

from .base import StreamTransport


class PluginProcess:
    """A spawned plugin: its transport (our end of its stdin/stdout) and its process."""

    def __init__(self, process: asyncio.subprocess.Process, transport: StreamTransport) -> None:
        self.process = process
        self.transport = transport

    async def stop(self, grace_ms: int = 2000) -> int:
        """Closes stdin, then SIGTERM after grace_ms, then SIGKILL after grace_ms more."""
        self.transport.close()
        for signal_step in ("terminate", "kill", None):
            try:
                return await asyncio.wait_for(self.process.wait(), grace_ms / 1000)
            except TimeoutError:
                if signal_step is None:
                    break
                try:
                    getattr(self.process, signal_step)()
                except ProcessLookupError:
                    pass
        return await self.process.wait()


async def spawn_plugin(command: Sequence[str], *, cwd: str | None = None,
                       env: dict[str, str] | None = None) -> PluginProcess:
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None,
        cwd=cwd, env={**os.environ, **(env or {})}, limit=1 << 20)
    assert process.stdout is not None and process.stdin is not None  # PIPE was requested
    transport = StreamTransport(process.stdout, process.stdin, f"stdio:{command[0]}")
    return PluginProcess(process, transport)


async def own_stdio() -> StreamTransport:
    """This process as a plugin: frames on stdin/stdout. Anything else must write to stderr."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(sys.stdin.fileno(), "rb", 0))
    # Frames own fd 1 from now on; Python's own stdout goes to stderr so a stray print()
    # cannot corrupt the stream.
    out_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    transport_, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, os.fdopen(out_fd, "wb", 0))
    writer = asyncio.StreamWriter(transport_, protocol, reader, loop)
    return StreamTransport(reader, writer, "stdio:parent")
