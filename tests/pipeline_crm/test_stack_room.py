"""The request's room on CPython 3.11's frame stack (pipeline_crm.stack_room)."""

import resource
import sys
import threading

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from pipeline_crm.stack_room import StackRoomMiddleware, call_with_room

needs_311_on_linux = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11) or not hasattr(resource, "RUSAGE_THREAD"),
    reason="the chunked frame stack of CPython 3.11, counted by Linux's per-thread page faults",
)


def _down(depth: int) -> int:
    return _down(depth - 1) if depth else 0


def _faults_of_deep_calls(through_room: bool, *, depth=300, calls=200) -> int:
    """Minor page faults of `calls` calls `depth` frames deep, made from a new thread (a fresh
    frame stack). Every call that crosses a chunk's end maps a new chunk and touches it: one
    fault or more."""
    result = {}

    def run(_request=None):
        _down(depth)  # the first crossing may be a real first use of memory
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        for _ in range(calls):
            _down(depth)
        result["faults"] = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before

    if through_room:
        thread = threading.Thread(target=call_with_room, args=(run, None))
    else:
        thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result["faults"]


@needs_311_on_linux
def test_deep_calls_map_a_chunk_each_without_room_and_none_with_it():
    # 300 small frames are more than a 16 KiB chunk holds, less than the room's 40 KiB.
    assert _faults_of_deep_calls(through_room=False) >= 200
    assert _faults_of_deep_calls(through_room=True) < 20


def test_the_room_is_a_frame_too_big_for_a_16_kib_chunk():
    assert call_with_room.__code__.co_nlocals * 8 > 16 * 1024


def test_the_middleware_answers_what_the_rest_answers():
    request = RequestFactory().get("/")
    response = HttpResponse("ok")
    seen = []

    def rest(req):
        seen.append(req)
        return response

    assert StackRoomMiddleware(rest)(request) is response
    assert seen == [request]


def test_it_wraps_every_request_from_the_outside(settings):
    assert settings.MIDDLEWARE[0] == "pipeline_crm.stack_room.StackRoomMiddleware"
