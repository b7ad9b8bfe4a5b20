"""Plugins (docs/wire.md §8, docs/transports.md "Plugins"), both directions: a parent spawning a
plugin executable and speaking frames over its stdin/stdout, or with channel "fds" over two
dedicated pipes whose descriptor numbers the plugin reads from INTEROP_PLUGIN_FDS (its stdout then
stays free for printing); and a plugin serving on those descriptors, or on its own stdin/stdout
when the variable is absent. Shutdown of a plugin: GOODBYE, close its frame input, SIGTERM after
the grace period, SIGKILL after a second one."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from typing import Literal, Sequence

from .base import StreamTransport

#: Tells a plugin which descriptors carry frames: "READ,WRITE" from the plugin's side, e.g. "3,4".
PLUGIN_FDS_ENV = "INTEROP_PLUGIN_FDS"

#: How a plugin talks to its parent: its stdin/stdout, or two dedicated descriptors.
PluginChannel = Literal["stdio", "fds"]


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
                       env: dict[str, str] | None = None, channel: PluginChannel = "stdio") -> PluginProcess:
    child_env = {**os.environ, **(env or {})}
    # Set for an fds plugin only: a stdio plugin must not inherit this process's own value.
    child_env.pop(PLUGIN_FDS_ENV, None)
    if channel == "stdio":
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=None,
            cwd=cwd, env=child_env, limit=1 << 20)
        assert process.stdout is not None and process.stdin is not None  # PIPE was requested
        return PluginProcess(process, StreamTransport(process.stdout, process.stdin, f"stdio:{command[0]}"))
    # fds: one pipe each way. The plugin keeps our descriptor numbers (pass_fds cannot renumber
    # them) and learns them from INTEROP_PLUGIN_FDS; its stdin is /dev/null, its stdout is ours.
    to_plugin_r, to_plugin_w = os.pipe()
    from_plugin_r, from_plugin_w = os.pipe()
    child_env[PLUGIN_FDS_ENV] = f"{to_plugin_r},{from_plugin_w}"
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=None, stderr=None,
            cwd=cwd, env=child_env, pass_fds=(to_plugin_r, from_plugin_w))
    except BaseException:
        for fd in (to_plugin_w, from_plugin_r):
            os.close(fd)
        raise
    finally:
        os.close(to_plugin_r)
        os.close(from_plugin_w)
    transport = await pipe_transport(from_plugin_r, to_plugin_w, f"fds:{command[0]}")
    return PluginProcess(process, transport)


async def pipe_transport(read_fd: int, write_fd: int, description: str) -> StreamTransport:
    """A transport over two descriptors (pipes or sockets), which it owns from now on."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", 0))
    transport_, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, os.fdopen(write_fd, "wb", 0))
    return StreamTransport(reader, asyncio.StreamWriter(transport_, protocol, reader, loop), description)


def plugin_fds(value: str | None = None) -> tuple[int, int] | None:
    """The descriptors INTEROP_PLUGIN_FDS names ("READ,WRITE"), or None when it is absent or empty
    (the plugin then uses its stdin and stdout). A malformed value is an error, not a fallback."""
    text = os.environ.get(PLUGIN_FDS_ENV) if value is None else value
    if text is None or not text.strip():
        return None
    m = re.fullmatch(r"\s*(\d+)\s*,\s*(\d+)\s*", text)
    read, write = (int(m[1]), int(m[2])) if m else (-1, -1)
    if not (2 < read < 65536 and 2 < write < 65536 and read != write):
        raise ValueError(f"{PLUGIN_FDS_ENV}={text!r}: expected two different descriptor numbers above 2, "
                         '"READ,WRITE" such as "3,4" (unset it to use stdin/stdout)')
    return read, write


async def parent_transport() -> StreamTransport:
    """This process as a plugin: frames on the descriptors of INTEROP_PLUGIN_FDS when set (stdout
    stays this program's), else on stdin/stdout."""
    fds = plugin_fds()
    if fds is None:
        return await own_stdio()
    return await pipe_transport(fds[0], fds[1], f"fds:{fds[0]},{fds[1]}:parent")


async def own_stdio() -> StreamTransport:
    """This process as a plugin: frames on stdin/stdout. Anything else must write to stderr."""
    # Frames own fd 1 from now on; Python's own stdout goes to stderr so a stray print()
    # cannot corrupt the stream.
    out_fd = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return await pipe_transport(sys.stdin.fileno(), out_fd, "stdio:parent")
