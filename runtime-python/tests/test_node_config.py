"""Node config validation against docs/config.schema.json (jsonschema): every problem at once,
each named by its path into the config and what was expected, as the TS node host reports them;
the rules the schema cannot express; the sources (dict, inline JSON, file, INTEROP_NODE_CONFIG);
Node.start refusing a bad config before it listens or dials anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interop_runtime.node import Node
from interop_runtime.node_config import CONFIG_ENV, SCHEMA_PATH, ConfigError, check_node_config, load_config

GOOD: dict[str, Any] = {
    "$schema": "../docs/config.schema.json",
    "node": "app-main",
    "modules": ["example.chat"],
    "listen": ["unix:/run/app/main.sock", "tcp://127.0.0.1:7000"],
    "control": "unix:/run/app/main.control.sock",
    "token": "s3cret",
    "connect": [{"node": "users", "address": "tcp://10.0.0.5:7100", "codec": "msgpack",
                 "modules": ["example.users"], "token": "t0k"}],
    "plugins": [{"node": "search", "command": ["python3", "search.py"], "cwd": "plugins", "codec": "json",
                 "env": {"INTEROP_NODE_CONFIG": "{}"}, "modules": ["example.search"], "shutdown_grace_ms": 2000}],
    "limits": {"max_in_flight": 64, "event_queue_policy": "drop_newest"},
}


def issues_of(config: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        check_node_config(config)
    return [str(i) for i in info.value.issues]


def test_the_documented_example_is_valid() -> None:
    assert SCHEMA_PATH.name == "config.schema.json" and SCHEMA_PATH.exists()
    assert check_node_config(GOOD) == GOOD
    assert check_node_config({"node": "n"}) == {"node": "n"}


def test_every_problem_named_by_path() -> None:
    bad = {
        "node": "",
        "modules": ["example.chat", "example.chat", "not a name"],
        "listen": ["/no/scheme.sock", 7],
        "stdio": "yes",
        "connect": [
            {"address": "tcp://127.0.0.1:1", "modules": ["a.b"]},
            {"modules": ["c.d"], "codec": "xml", "port": 7},
        ],
        "plugins": [{"command": [], "modules": ["e.f"], "shutdown_grace_ms": -1, "env": {"A": 1}}],
        "limits": {"max_in_flight": 0, "event_queue_policy": "drop_everything", "max_frame_bytes": 13,
                   "max_target_bytes": 70000, "speed": 1},
        "extra": True,
    }
    got = issues_of(bad)
    expected = [
        'connect[1].address: is required',
        'connect[1].port: is not a known field (allowed: node, address, endpoints, policy, idempotent, codec, member_codecs, modules, token, ca)',
        'connect[1].codec: expected one of "msgpack", "json", "protobuf", "flatbuffers", got "xml"',
        'extra: is not a known field (allowed: node, modules, listen, control, stdio, token, connect, plugins, limits, '
            'packages, web, shm, tls)',
        'limits.speed: is not a known field (allowed: max_frame_bytes, max_depth, max_in_flight, max_event_queue, '
        'event_queue_policy, default_deadline_ms, handshake_timeout_ms, max_target_bytes, stream_window, '
        'max_connections, idle_timeout_ms, frame_timeout_ms)',
        'limits.event_queue_policy: expected one of "drop_oldest", "drop_newest", "block", got "drop_everything"',
        'limits.max_frame_bytes: expected an integer >= 14, got 13',
        'limits.max_in_flight: expected an integer >= 1, got 0',
        'limits.max_target_bytes: expected an integer <= 65535, got 70000',
        'listen[0]: expected an address such as "unix:/path/to.sock" or "tcp://127.0.0.1:7000", got "/no/scheme.sock"',
        'listen[1]: expected a string, got a number (7)',
        'modules: expected no duplicates, got "example.chat" twice',
        'modules[2]: expected a qualified module name such as "example.chat", got "not a name"',
        'node: expected a non-empty string, got ""',
        'plugins[0].command: expected at least 1 item(s), got 0',
        'plugins[0].env.A: expected a string, got a number (1)',
        'plugins[0].shutdown_grace_ms: expected an integer >= 0, got -1',
        'stdio: expected a boolean (true or false), got a string ("yes")',
    ]
    assert sorted(got) == sorted(expected)


def test_required_fields_and_wrong_types() -> None:
    assert issues_of({}) == ["node: is required"]
    assert issues_of([]) == ["(top): expected an object, got an array"]
    assert issues_of({"node": "n", "connect": {"address": "tcp://h:1"}}) == ["connect: expected an array, got an object"]
    assert issues_of({"node": "n", "connect": [{}]}) == ["connect[0].modules: is required", "connect[0].address: is required"]
    assert issues_of({"node": "n", "plugins": [{"modules": []}]}) == ["plugins[0].command: is required"]
    assert issues_of({"node": "n", "limits": {"max_depth": True}}) == [
        "limits.max_depth: expected an integer, got a boolean (true)"]
    assert issues_of({"node": "n", "limits": {"default_deadline_ms": 1.5}}) == [
        "limits.default_deadline_ms: expected an integer, got a number (1.5)"]


def test_a_module_is_reached_one_way_only() -> None:
    got = issues_of({"node": "n", "modules": ["a.b"],
                     "connect": [{"address": "unix:/x.sock", "modules": ["a.b", "c.d"]}],
                     "plugins": [{"command": ["p"], "modules": ["c.d"]}]})
    assert got == ["connect[0].modules: module a.b is already hosted by this node",
                   "plugins[0].modules: module c.d is already reached via connect[0]"]


def test_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "node.json"
    path.write_text(json.dumps({"node": "from-file"}))
    assert load_config(path)["node"] == "from-file"
    assert load_config(str(path))["node"] == "from-file"
    assert load_config('{"node": "inline"}')["node"] == "inline"
    monkeypatch.setenv(CONFIG_ENV, '{"node": "env-inline"}')
    assert load_config(None)["node"] == "env-inline"
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_config(None)["node"] == "from-file"

    monkeypatch.setenv(CONFIG_ENV, '{"node": 5}')
    with pytest.raises(ConfigError) as env_bad:
        load_config(None)
    assert str(env_bad.value) == (f"invalid node config (inline JSON in {CONFIG_ENV}):\n"
                                  "  node: expected a string, got a number (5)")
    monkeypatch.delenv(CONFIG_ENV)
    with pytest.raises(ConfigError, match=f"no config given and {CONFIG_ENV} is not set"):
        load_config(None)
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "missing.json")
    assert str(missing.value) == f"invalid node config ({tmp_path / 'missing.json'}):\n  (top): no such file"
    # Where the text stops being JSON, as people count: line and column (as the TS runtime says).
    path.write_text('{\n  "node": "n",\n  "listen": ["unix:/x"],\n}')
    with pytest.raises(ConfigError) as not_json:
        load_config(path)
    assert str(not_json.value) == (f"invalid node config ({path}):\n"
                                   "  (top): not JSON: line 4, column 1: expecting property name enclosed in double quotes")


async def test_node_start_refuses_a_bad_config(tmp_path: Path) -> None:
    sock = tmp_path / "n.sock"
    with pytest.raises(ConfigError) as info:
        await Node.start({"node": "n", "listen": [f"unix:{sock}"], "connect": [{"address": "tcp://127.0.0.1:1"}]})
    assert [str(i) for i in info.value.issues] == ["connect[0].modules: is required"]
    assert isinstance(info.value, ValueError)
    assert not sock.exists()  # nothing was started
