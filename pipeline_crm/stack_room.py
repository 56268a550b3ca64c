"""Room on the interpreter's frame stack for a whole request (a CPython 3.11 workaround).

CPython 3.11 keeps Python frames on a per-thread stack of 16 KiB chunks. A call that does not
fit in the current chunk maps a new one, and the return that empties it unmaps it again. When a
request's working depth sits at a chunk's end, every call across it costs an mmap and a munmap:
measured under gunicorn on the deal list, about 1,500 pairs and 16-28 ms of system CPU per
request, as much as half the page (CPython issue gh-142183, fixed in 3.13, not in 3.11).

The middleware below calls the rest of the request from a function whose frame is too big for a
16 KiB chunk (`_ROOM` local slots, never used): CPython then maps one chunk sized for that frame
plus its own minimum headroom, rounded up to 64 KiB, and the request's frames above it have
about 40 KiB to grow in before they reach another chunk's end. One mapping per request instead
of thousands. On another interpreter the function is merely a call with unused locals.

Measured under gunicorn, system CPU per list page went from 16–28 ms to about 1 ms (deal list,
accounts, quotes, dashboard). `tests/pipeline_crm/test_stack_room.py` counts the page faults of
deep calls with and without it.
"""

_ROOM = 3100  # slots; 8 × (3100 + CPython's 1000-slot headroom) rounds up to a 64 KiB chunk


def _roomy_caller():
    names = [f"_{i}" for i in range(_ROOM)]
    source = (
        "def call(get_response, request):\n"
        f"    if False:\n        {' = '.join(names)} = None\n"
        "    return get_response(request)\n"
    )
    namespace: dict = {}
    exec(compile(source, __name__, "exec"), namespace)  # noqa: S102 - fixed source, no input
    return namespace["call"]


call_with_room = _roomy_caller()


class StackRoomMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return call_with_room(self.get_response, request)
