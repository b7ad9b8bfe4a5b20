"""INTEROP_PLUGIN_FDS (docs/transports.md "Plugins"): two descriptor numbers, or absent; anything
else is an error naming the variable, as in the TS runtime. The plugins themselves, in every
parent × plugin language pair, are tested by test/plugins/fds.test.ts."""

from __future__ import annotations

import pytest

from interop_runtime.transport.stdio import plugin_fds


def test_two_descriptors_or_absent() -> None:
    assert plugin_fds("3,4") == (3, 4)
    assert plugin_fds(" 7 , 9 ") == (7, 9)
    assert plugin_fds("") is None


@pytest.mark.parametrize("bad", ["3", "3,3", "1,4", "a,b", "3,4,5", "-3,4"])
def test_malformed_is_an_error(bad: str) -> None:
    with pytest.raises(ValueError, match=r'INTEROP_PLUGIN_FDS=.*"READ,WRITE" such as "3,4"'):
        plugin_fds(bad)
