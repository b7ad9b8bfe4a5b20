"""A node removes the unix socket files it listened on when it closes (docs/transports.md)."""

from __future__ import annotations

from pathlib import Path

from interop_runtime.node import Node


async def test_close_removes_the_socket_files_it_created(tmp_path: Path) -> None:
    data, control = tmp_path / "chat.sock", tmp_path / "chat.ctl"
    node = await Node.start({"node": "chat", "modules": [], "listen": [f"unix:{data}"], "control": f"unix:{control}"})
    assert data.is_socket() and control.is_socket()
    await node.close()
    assert not data.exists() and not control.exists()


async def test_close_leaves_other_files_alone(tmp_path: Path) -> None:
    data = tmp_path / "chat.sock"
    node = await Node.start({"node": "chat", "modules": [], "listen": [f"unix:{data}"]})
    data.unlink()
    data.write_text("not a socket: someone else's file now")
    await node.close()
    assert data.read_text().startswith("not a socket")


async def test_endpoints_name_the_bound_addresses_with_the_port_chosen_for_0(tmp_path: Path) -> None:
    control = tmp_path / "chat.ctl"
    node = await Node.start({"node": "chat", "modules": [], "listen": ["tcp://127.0.0.1:0"], "control": f"unix:{control}"})
    try:
        (endpoint,) = node.endpoints
        host, port = endpoint.removeprefix("tcp://").rsplit(":", 1)
        assert host == "127.0.0.1" and int(port) > 0
        assert node.control_endpoint == f"unix:{control}"
    finally:
        await node.close()
