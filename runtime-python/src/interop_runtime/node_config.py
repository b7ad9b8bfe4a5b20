"""The node config (docs/config.md "Node config"): loading it from a dict, a file or the
INTEROP_NODE_CONFIG environment variable, validating it against docs/config.schema.json with the
`jsonschema` package, and the rules a schema cannot express (a module reached one way only).

Every problem is reported at once, one line each, as a path into the config and what was
expected, the way the TypeScript node host reports them:

    invalid node config (app.json):
      connect[1].address: is required
      limits.max_in_flight: expected an integer >= 1, got 0
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import jsonschema  # type: ignore[import-untyped]  # ships no type information

from .limits import DEFAULT_LIMITS

CONFIG_ENV = "INTEROP_NODE_CONFIG"

#: The documented contract is read from docs/ (src/interop_runtime → repository); the wheel carries
#: a copy in interop_runtime/schemas/ (scripts/build-wheel.sh), which is used when it is there.
_PACKAGED_SCHEMA = Path(__file__).resolve().parent / "schemas" / "config.schema.json"
_REPOSITORY_SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "config.schema.json"
SCHEMA_PATH = _PACKAGED_SCHEMA if _PACKAGED_SCHEMA.exists() else _REPOSITORY_SCHEMA


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    #: Where, as a path into the config: `connect[1].address`; "" for the whole document.
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(top)'}: {self.message}"


class ConfigError(ValueError):
    """An invalid node config: `issues` lists every problem found."""

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(f"invalid node config ({source}):\n" + "\n".join(f"  {i}" for i in issues))


@lru_cache(maxsize=1)
def _validator() -> Any:
    try:
        schema = json.loads(SCHEMA_PATH.read_text())
    except OSError as e:
        raise RuntimeError(f"the node config schema is missing: {e}") from None
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for seg in path:
        if isinstance(seg, int):
            out += f"[{seg}]"
        else:
            out = f"{out}.{seg}" if out else str(seg)
    return out


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({json.dumps(value)})"
    if isinstance(value, str):
        return f"a string ({json.dumps(value)[:60]})"
    if isinstance(value, list):
        return "an array"
    return "an object"


_TYPE_WORDS = {"array": "an array", "object": "an object", "string": "a string", "integer": "an integer",
               "boolean": "a boolean (true or false)", "number": "a number"}

_ADDRESS = 'an address such as "unix:/path/to.sock" or "tcp://127.0.0.1:7000"'
_MODULE = 'a qualified module name such as "example.chat"'


def _describe(error: Any) -> list[ConfigIssue]:
    """One jsonschema ValidationError → the issues a user can act on."""
    at = _dotted(error.absolute_path)
    keyword = error.validator
    expected = error.validator_value
    found = error.instance
    if keyword == "required":
        present = found if isinstance(found, dict) else {}
        return [ConfigIssue(_join(at, name), "is required") for name in expected if name not in present]
    if keyword == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        allowed = ", ".join(k for k in known if k != "$schema")
        extra = [k for k in found if k not in known] if isinstance(found, dict) else []
        return [ConfigIssue(_join(at, k), f"is not a known field (allowed: {allowed})") for k in extra]
    if keyword == "type":
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in ([expected] if isinstance(expected, str) else expected))
        return [ConfigIssue(at, f"expected {words}, got {_type_name(found)}")]
    if keyword == "enum":
        return [ConfigIssue(at, f"expected one of {', '.join(json.dumps(v) for v in expected)}, got {json.dumps(found)}")]
    if keyword == "pattern":
        what = _ADDRESS if "unix:" in str(expected) else _MODULE if str(expected).startswith("^[A-Za-z_]") else \
            f"a string matching {expected}"
        return [ConfigIssue(at, f"expected {what}, got {json.dumps(found)}")]
    if keyword in ("minimum", "maximum"):
        op = ">=" if keyword == "minimum" else "<="
        return [ConfigIssue(at, f"expected an integer {op} {expected}, got {json.dumps(found)}")]
    if keyword == "minLength":
        what = "a non-empty string" if expected == 1 else f"at least {expected} characters"
        return [ConfigIssue(at, f"expected {what}, got {json.dumps(found)}")]
    if keyword == "maxLength":
        return [ConfigIssue(at, f"expected at most {expected} characters, got {len(found)}")]
    if keyword == "minItems":
        return [ConfigIssue(at, f"expected at least {expected} item(s), got {len(found)}")]
    if keyword == "uniqueItems":
        return [ConfigIssue(at, f"expected no duplicates, got {json.dumps(_first_repeat(found))} twice")]
    return [ConfigIssue(at, str(error.message))]


def _first_repeat(items: list[Any]) -> Any:
    for i, item in enumerate(items):
        if item in items[:i]:
            return item
    return None


def _sort_key(error: Any) -> tuple[str, ...]:
    return tuple(f"{seg:08d}" if isinstance(seg, int) else str(seg) for seg in error.absolute_path)


def check_node_config(config: Any, source: str = "config") -> dict[str, Any]:
    """Validates a parsed node config; raises ConfigError listing every problem."""
    errors = sorted(_validator().iter_errors(config), key=_sort_key)
    # dict.fromkeys: jsonschema reports each missing required field as its own error.
    issues = list(dict.fromkeys(issue for error in errors for issue in _describe(error)))
    if issues:
        raise ConfigError(source, issues)
    cfg: dict[str, Any] = dict(config)
    # What the schema cannot say: each module is reached one way only.
    reached: dict[str, str] = {name: "modules" for name in cfg.get("modules", [])}
    for field in ("connect", "plugins"):
        for i, entry in enumerate(cfg.get(field, [])):
            for name in entry["modules"]:
                before = reached.get(name)
                if before is None:
                    reached[name] = f"{field}[{i}]"
                else:
                    how = "hosted by this node" if before == "modules" else f"reached via {before}"
                    issues.append(ConfigIssue(f"{field}[{i}].modules", f"module {name} is already {how}"))
    for i, entry in enumerate(cfg.get("connect", [])):
        issues.extend(_endpoint_issues(f"connect[{i}]", entry))
    for field in ("connect", "plugins"):
        for i, entry in enumerate(cfg.get(field, [])):
            issues.extend(_member_codec_issues(f"{field}[{i}]", entry))
    try:
        DEFAULT_LIMITS.with_overrides(dict(cfg.get("limits", {})))
    except ValueError as e:
        issues.append(ConfigIssue("limits", str(e)))
    if issues:
        raise ConfigError(source, issues)
    return cfg


def _endpoint_issues(at: str, entry: dict[str, Any]) -> list[ConfigIssue]:
    """A connect entry: one `address`, or `endpoints` with `policy` and `idempotent` functions of
    its own modules (the words of the TS runtime)."""
    issues = []
    if "address" in entry and "endpoints" in entry:
        issues.append(ConfigIssue(at, 'give either "address" (one endpoint) or "endpoints" (several, with a "policy")'))
    for field in ("policy", "idempotent"):
        if field in entry and "endpoints" not in entry:
            issues.append(ConfigIssue(f"{at}.{field}", 'applies to "endpoints" only'))
    for j, fn in enumerate(entry.get("idempotent", [])):
        if not any(fn.startswith(m + ".") and "." not in fn[len(m) + 1:] for m in entry["modules"]):
            issues.append(ConfigIssue(f"{at}.idempotent[{j}]",
                                      f'"{fn}" is not a function of this entry\'s modules (write "module.function")'))
    return issues


def _member_codec_issues(at: str, entry: dict[str, Any]) -> list[ConfigIssue]:
    """A `member_codecs` key must be "module.member" of one of the entry's modules."""
    return [ConfigIssue(f"{at}.member_codecs[{json.dumps(key)}]",
                        f'"{key}" is not a member of this entry\'s modules (write "module.function" or "module.event")')
            for key in entry.get("member_codecs", {})
            if not any(key.startswith(m + ".") and "." not in key[len(m) + 1:] for m in entry["modules"])]


def unknown_member_codecs(cfg: Mapping[str, Any], descriptor: Callable[[str], Any]) -> list[ConfigIssue]:
    """The `member_codecs` keys that name no function or event of their module, for the modules
    whose descriptor the program has."""
    issues = []
    for field in ("connect", "plugins"):
        for i, entry in enumerate(cfg.get(field, [])):
            for key in entry.get("member_codecs", {}):
                module, _, member = key.rpartition(".")
                d = descriptor(module)
                if d is not None and member not in d.functions and member not in d.events:
                    issues.append(ConfigIssue(f"{field}[{i}].member_codecs[{json.dumps(key)}]",
                                              f"{module} has no function or event named {member}"))
    return issues


def load_config(config: Mapping[str, Any] | str | Path | None) -> dict[str, Any]:
    """A config as a dict; a str as inline JSON (starting with "{") or a file path; a Path; None:
    the INTEROP_NODE_CONFIG environment variable (inline JSON or a path)."""
    if isinstance(config, Mapping):
        return check_node_config(dict(config), "object")
    if config is None:
        text = os.environ.get(CONFIG_ENV, "")
        if not text.strip():
            raise ConfigError(CONFIG_ENV, [ConfigIssue("", f"no config given and {CONFIG_ENV} is not set")])
        inline = text.lstrip().startswith("{")
        source = f"inline JSON in {CONFIG_ENV}" if inline else text
    else:
        text = str(config)
        inline = isinstance(config, str) and text.lstrip().startswith("{")
        source = "inline JSON" if inline else text
    if not inline:
        try:
            text = Path(text).read_text()
        except FileNotFoundError:
            raise ConfigError(source, [ConfigIssue("", "no such file")]) from None
        except OSError as e:
            raise ConfigError(source, [ConfigIssue("", f"cannot read: {e.strerror or e}")]) from None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as e:
        # Where, as people count: line and column (the TS runtime says the same).
        what = e.msg[:1].lower() + e.msg[1:]
        raise ConfigError(source, [ConfigIssue("", f"not JSON: line {e.lineno}, column {e.colno}: {what}")]) from None
    except ValueError as e:
        raise ConfigError(source, [ConfigIssue("", f"not JSON: {e}")]) from None
    return check_node_config(parsed, source)


__all__ = ["CONFIG_ENV", "ConfigError", "ConfigIssue", "SCHEMA_PATH", "check_node_config", "load_config"]
