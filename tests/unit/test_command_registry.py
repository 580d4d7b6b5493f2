"""The command registry and conflict policies, without a store."""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple, get_type_hints

import msgspec
import pytest

from kyros.commands.conflicts import once, rerun, take_turns
from kyros.commands.registry import ROUTES, position_of, route_of
from kyros.domain.errors import Conflict


@pytest.mark.parametrize("command_type", list(ROUTES), ids=lambda t: t.__name__)
def test_every_command_is_a_struct_its_handler_takes(command_type: type) -> None:
    route = ROUTES[command_type]
    assert issubclass(command_type, msgspec.Struct)
    parameters = list(inspect.signature(route.handler).parameters)
    assert parameters[:2] == (["app", "catalog"] if route.with_catalog else ["app", "cmd"])
    assert len(parameters) == (3 if route.with_catalog else 2)
    taken = get_type_hints(route.handler)["cmd"]
    assert issubclass(command_type, taken)


def test_an_unregistered_command_is_refused_by_name() -> None:
    class Unknown(msgspec.Struct):
        pass

    with pytest.raises(TypeError, match="Unknown"):
        route_of(Unknown())


class _Carried(NamedTuple):
    key: str
    position: int


class _Result(msgspec.Struct):
    position: int


@pytest.mark.parametrize(
    ("result", "position"),
    [
        (7, 7),
        (0, 0),
        (None, 0),
        ("at_capacity", 0),
        (True, 0),
        (_Result(position=9), 9),
        (_Carried("k", 11), 11),
        (("opened", 12), 0),  # a tuple is not a result shape
    ],
)
def test_the_position_is_found_in_every_result_shape(result: Any, position: int) -> None:
    assert position_of(result) == position


def _losing(times: int) -> tuple[list[int], Any]:
    calls: list[int] = []

    def attempt() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise Conflict("lost")
        return "saved"

    return calls, attempt


def test_once_answers_a_lost_race_with_conflict() -> None:
    calls, attempt = _losing(1)
    with pytest.raises(Conflict):
        once(attempt)
    assert len(calls) == 1


def test_rerun_runs_the_whole_command_again_then_gives_up() -> None:
    calls, attempt = _losing(4)
    assert rerun(attempt) == "saved"
    assert len(calls) == 5
    calls, attempt = _losing(5)
    with pytest.raises(Conflict):
        rerun(attempt)
    assert len(calls) == 5


def test_take_turns_retries_a_budget_race_many_times() -> None:
    calls, attempt = _losing(20)
    assert take_turns(attempt) == "saved"
    assert len(calls) == 21
    calls, attempt = _losing(3)
    with pytest.raises(Conflict):
        take_turns(attempt, attempts=3)
