"""Exercises of notebook 12, Many machines.

q1 works out the best hit ratio a small cache can reach on a skewed workload. q2 and q3 talk to
Redis through redis-py's own methods; the checks hand them fakeredis clients (the same methods,
kept in memory), and in q3 two clients share one fake server, as two machines share one Redis.
"""

from __future__ import annotations

import contextlib
import numbers
import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import fakeredis
import redis

from helpers.exercises import Exercise, require

# q1: the best hit ratio a small cache can reach on a skewed workload


def best_hit_ratio(paths: Sequence[str], capacity: int) -> float:
    if not paths:
        return 0.0
    popular = Counter(paths).most_common(capacity)
    return sum(count for _, count in popular) / len(paths)


def _check_best_hit_ratio(candidate: Callable[[Sequence[str], int], float]) -> None:
    require(callable(candidate), "the answer should be a function best_hit_ratio(paths, capacity).")
    # Link n asked for about 1/(n+1) as often as the first one, in a shuffled order.
    skewed = [f"/code{n}" for n in range(100) for _ in range(600 // (n + 1))]
    random.Random(12).shuffle(skewed)
    cases = [
        (["/a", "/b", "/a", "/c", "/a", "/b"], 1),
        (["/a", "/b", "/a", "/c", "/a", "/b"], 2),
        (["/a", "/b", "/c"], 5),
        ([], 3),
        (skewed, 10),
        (skewed, 0),
    ]
    for paths, capacity in cases:
        expected = best_hit_ratio(paths, capacity)
        got = candidate(list(paths), capacity)
        require(
            isinstance(got, numbers.Real) and not isinstance(got, bool),
            f"best_hit_ratio({paths if len(paths) < 10 else 'a workload of 100 paths'}, "
            f"capacity={capacity}) returned {got!r}; it should return a number from 0 to 1.",
        )
        if len(paths) < 10:
            require(
                abs(got - expected) < 1e-9,
                f"best_hit_ratio({paths}, capacity={capacity}) returned {got!r}; expected "
                f"{expected:.4g}: the share of the requests that go to the {capacity} most "
                "requested paths.",
            )
        else:
            require(
                abs(got - expected) < 1e-9,
                f"on a skewed workload of {len(paths)} requests over 100 paths, capacity "
                f"{capacity}, best_hit_ratio returned {got!r}, which is too "
                f"{'high' if got > expected else 'low'}: it should be the share of the requests "
                f"that go to the {capacity} most requested paths.",
            )


def _share_of_links(paths: Sequence[str], capacity: int) -> float:
    """Wrong: the share of the links kept, which ignores how often each is asked for."""
    distinct = len(set(paths))
    return min(capacity, distinct) / distinct if distinct else 0.0


def _first_seen(paths: Sequence[str], capacity: int) -> float:
    """Wrong: keeps the first links asked for, not the most popular ones."""
    kept = list(dict.fromkeys(paths))[:capacity]
    return sum(path in kept for path in paths) / len(paths) if paths else 0.0


q1 = Exercise(
    "best_hit_ratio: the share of requests that the most popular links take",
    _check_best_hit_ratio,
    hints=[
        "collections.Counter(paths).most_common(capacity) gives the `capacity` most requested "
        "paths with their counts.",
        "Add up those counts and divide by len(paths); an empty workload has a ratio of 0.0.",
    ],
    solution=best_hit_ratio,
    wrong=[_share_of_links, _first_seen],
)


# q2: cache-aside in front of a store

TTL_SECONDS = 60


def cached_find(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    key = f"link:{code}"
    url = cache.get(key)
    if url is not None:
        return url
    url = find_in_store(code)
    if url is not None:
        cache.set(key, url, ex=TTL_SECONDS)
    return url


class _CountingStore:
    """A store of two links that counts how often it is asked."""

    def __init__(self) -> None:
        self.links = {"hot": "https://www.example.com/hot", "cold": "https://www.example.com/cold"}
        self.asked = 0

    def find(self, code: str) -> str | None:
        self.asked += 1
        return self.links.get(code)


def _fake_cache() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis(decode_responses=True)


def _check_cached_find(candidate: Callable[..., str | None]) -> None:
    require(callable(candidate), "the answer should be a function cached_find(code, cache, find).")
    store, cache = _CountingStore(), _fake_cache()
    first = candidate("hot", cache, store.find)
    require(first == store.links["hot"], f"the first lookup of 'hot' returned {first!r}.")
    require(store.asked == 1, f"a miss should ask the store once; it asked {store.asked} times.")
    require(
        cache.get("link:hot") == store.links["hot"],
        "after a miss the URL should be in the cache under the key 'link:hot'.",
    )
    ttl = cache.ttl("link:hot")
    require(
        ttl != -1,
        f"the cached key never expires (TTL -1): set it with ex=TTL_SECONDS ({TTL_SECONDS} s).",
    )
    require(
        TTL_SECONDS - 2 < ttl <= TTL_SECONDS,
        f"the cached key should live for TTL_SECONDS ({TTL_SECONDS} s), set with "
        f"ex=TTL_SECONDS; its TTL is {ttl} s.",
    )
    for _ in range(3):
        again = candidate("hot", cache, store.find)
        require(again == store.links["hot"], f"a cache hit returned {again!r}.")
    require(
        store.asked == 1,
        f"hits must not ask the store; after 3 hits it had been asked {store.asked} times.",
    )
    missing = candidate("nope", cache, store.find)
    require(missing is None, f"an unknown code should give None, not {missing!r}.")
    store.links["nope"] = "https://www.example.com/new"
    created = candidate("nope", cache, store.find)
    require(
        created == store.links["nope"],
        "a code that was unknown, then created, is still missing: do not cache 'not found'.",
    )


def _no_ttl(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    """Wrong: keys that never expire keep stale or deleted links forever."""
    key = f"link:{code}"
    url = cache.get(key)
    if url is None:
        url = find_in_store(code)
        if url is not None:
            cache.set(key, url)
    return url


def _short_ttl(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    """Wrong: a TTL of 1 s instead of TTL_SECONDS, so nearly every request misses."""
    key = f"link:{code}"
    url = cache.get(key)
    if url is None:
        url = find_in_store(code)
        if url is not None:
            cache.set(key, url, ex=1)
    return url


def _always_store(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    """Wrong: fills the cache but never reads it."""
    url = find_in_store(code)
    if url is not None:
        cache.set(f"link:{code}", url, ex=TTL_SECONDS)
    return url


def _caches_misses(code: str, cache: Any, find_in_store: Callable[[str], str | None]) -> str | None:
    """Wrong: remembers 'not found' as a URL."""
    key = f"link:{code}"
    url = cache.get(key)
    if url is None:
        url = str(find_in_store(code))
        cache.set(key, url, ex=TTL_SECONDS)
    return None if url == "None" else url


q2 = Exercise(
    "cached_find: Redis first, the store on a miss, with a TTL",
    _check_cached_find,
    hints=[
        "cache.get(key) returns None on a miss. Only then call find_in_store(code), and put what "
        "it found in the cache with cache.set(key, url, ex=TTL_SECONDS).",
        "Do not put None in the cache: a code unknown now may be created a second later.",
    ],
    solution=cached_find,
    wrong=[_no_ttl, _short_ttl, _always_store, _caches_misses],
)


# q3: one rate limit for every machine


def allow(cache: Any, client: str, limit: int, window: int) -> bool:
    key = f"rate:{client}"
    with cache.pipeline(transaction=True) as step:  # MULTI ... EXEC: one atomic step
        step.set(key, 0, ex=window, nx=True)  # a new window: a count of 0 that expires
        step.incr(key)  # INCR keeps the key's expiry
        _, count = step.execute()
    return bool(count <= limit)


# Commands that run a Lua script: fakeredis runs them only with the optional `lupa` package.
_SCRIPT_COMMANDS = {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "SCRIPT", "FCALL", "FCALL_RO"}


class _Machine(fakeredis.FakeRedis):
    """A client of the shared fake server that can die, or let another machine act mid-call.

    Every command counts, sent alone or in a pipeline without a transaction (Redis runs those one
    by one, and another client's commands can run in between); a transaction (MULTI ... EXEC)
    counts as one command, since Redis runs it as one step.
    `commands_left`: how many commands it sends before its connection dies (None: never).
    `meanwhile`: called once, right after this client's first command, as if another machine's
    request ran between this one's first command and the next.
    """

    def __init__(self, server: fakeredis.FakeServer) -> None:
        super().__init__(server=server, decode_responses=True)
        self.commands_left: int | None = None
        self.meanwhile: Callable[[], object] | None = None

    @staticmethod
    def refuse_script(name: str) -> None:
        """Stop the check with a plain reason if `name` runs a Lua script."""
        require(
            name.upper() not in _SCRIPT_COMMANDS,
            "your script may well be right, but this check's fake Redis has no Lua, so it cannot "
            "run it (the real Redis can). Write the same atomic step as a transaction instead: "
            "the commands of cache.pipeline(transaction=True) run as one step (MULTI ... EXEC).",
        )

    def before(self, name: str) -> None:
        """Refuse a script; die if this machine has no command left."""
        self.refuse_script(name)
        if self.commands_left is not None:
            if self.commands_left <= 0:
                raise redis.ConnectionError("this machine died in the middle of the request")
            self.commands_left -= 1

    def after(self) -> None:
        """Let the other machine act, once."""
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()

    def execute_command(self, *args: Any, **options: Any) -> Any:
        self.before(str(args[0]))
        answer = super().execute_command(*args, **options)
        self.after()
        return answer

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> _MachinePipeline:
        return _MachinePipeline(self, transaction)


class _MachinePipeline(redis.client.Pipeline):
    """A pipeline of a `_Machine`, under the same rules as the machine's own commands."""

    def __init__(self, machine: _Machine, transaction: bool) -> None:
        super().__init__(machine.connection_pool, machine.response_callbacks, transaction, None)
        self.machine = machine
        self.atomic = transaction  # MULTI ... EXEC around the commands

    def immediate_execute_command(self, *args: Any, **options: Any) -> Any:
        self.machine.before(str(args[0]))  # WATCH, and the commands between it and MULTI
        answer = super().immediate_execute_command(*args, **options)
        self.machine.after()
        return answer

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        if self.atomic or self.explicit_transaction:
            for args, _ in self.command_stack:
                self.machine.refuse_script(str(args[0]))
            self.machine.before("MULTI")
            answers = super().execute(raise_on_error)
            self.machine.after()
            return answers
        stack, answers = self.command_stack, []
        self.reset()
        for args, options in stack:  # one by one, as Redis runs them
            try:
                answers.append(self.machine.execute_command(*args, **options))
            except redis.ResponseError as error:
                answers.append(error)
        errors = [answer for answer in answers if isinstance(answer, redis.ResponseError)]
        if raise_on_error and errors:
            raise errors[0]
        return answers


def _check_allow(candidate: Callable[[Any, str, int, int], bool]) -> None:
    require(callable(candidate), "the answer should be a function allow(cache, client, ...).")
    server = fakeredis.FakeServer()
    machine_a, machine_b = _Machine(server), _Machine(server)
    answers = [candidate(machine, "10.0.0.7", 5, 60) for machine in [machine_a, machine_b] * 6]
    allowed = sum(answer is True for answer in answers)
    not_bool = [answer for answer in answers if not isinstance(answer, bool)]
    require(
        not not_bool,
        f"allow should return True or False; it returned {not_bool[0] if not_bool else None!r}.",
    )
    if allowed == 10:
        require(False, "each machine allowed 5, 10 in all: the count must live in Redis.")
    require(
        allowed == 5,
        f"12 requests through two machines sharing one Redis, limit 5: {allowed} were allowed; "
        "allow while the shared count is at most the limit.",
    )
    require(answers[:5] == [True] * 5, "the first 5 requests should be the ones allowed.")
    key = "rate:10.0.0.7"
    require(
        machine_a.exists(key) == 1,
        f"the count should live in Redis under the key {key!r}, where every machine can add to "
        f"it; Redis holds only {sorted(machine_a.keys('*'))}.",
    )
    ttl = machine_a.ttl(key)  # whatever the key's type: -1 means it never expires
    require(
        0 < ttl <= 60,
        f"the count should expire at the end of the window; its TTL is {ttl} (-1: never), so a "
        "client that reached the limit would be locked out for good.",
    )
    if machine_a.type(key) == "string":  # a fixed window: its count expires with the window
        machine_a.expire(key, 5)  # as if 55 of the window's 60 s had passed
        candidate(machine_b, "10.0.0.7", 5, 60)
        ttl = machine_a.ttl(key)
        require(
            0 < ttl <= 5,
            "a request late in the window moved its end: with 5 s of the window left, a refused "
            f"request left the count's TTL at {ttl} s. A client that keeps trying would never "
            "get a new window; set the expiry only when the window starts.",
        )
    machine_a.delete(key)  # as if the window had ended: its count expired
    require(
        candidate(machine_b, "10.0.0.7", 5, 60) is True,
        "once the window has ended (its count expired), the client's next request must be "
        "allowed again: a new window starts with a new count.",
    )
    require(
        candidate(machine_b, "10.0.0.8", 5, 60) is True,
        "another client has its own count: its first request must be allowed.",
    )
    _check_overlapping_requests(candidate)
    _check_a_machine_that_dies(candidate)
    _check_a_window_that_ends_mid_request(candidate)


def _check_overlapping_requests(candidate: Callable[[Any, str, int, int], bool]) -> None:
    """Each request on A has one on B run between its first command and the next."""
    server = fakeredis.FakeServer()
    machine_a, machine_b = _Machine(server), _Machine(server)
    answers = []
    for _ in range(6):
        machine_a.meanwhile = lambda: answers.append(candidate(machine_b, "10.0.0.9", 5, 60))
        answers.append(candidate(machine_a, "10.0.0.9", 5, 60))
    allowed = sum(answer is True for answer in answers)
    require(
        allowed <= 5,
        f"two machines whose requests overlapped allowed {allowed} of 12, limit 5: a request "
        "on the other machine ran between this one's first command and its next, and both "
        "counted from the same old value. Read and add in one atomic step.",
    )


def _check_a_machine_that_dies(candidate: Callable[[Any, str, int, int], bool]) -> None:
    """A machine dies after each of its first few commands; the next request must still work."""
    for survived in range(1, 4):
        server = fakeredis.FakeServer()
        dying, healthy = _Machine(server), _Machine(server)
        dying.commands_left = survived
        with contextlib.suppress(redis.ConnectionError):  # the machine died, as it may
            candidate(dying, "10.0.0.10", 5, 60)
        candidate(healthy, "10.0.0.10", 5, 60)
        ttl = healthy.ttl("rate:10.0.0.10")  # -1, whatever the key's type: it never expires
        require(
            ttl != -1,
            f"a machine died after sending {survived} of a request's commands, and the "
            "count it left behind never expires (TTL -1), even after the next request: "
            "once it reaches the limit, that client is locked out for good. Make the count "
            "and its expiry one atomic step.",
        )


def _check_a_window_that_ends_mid_request(candidate: Callable[[Any, str, int, int], bool]) -> None:
    """A window's count expires right after a request's first command."""
    server = fakeredis.FakeServer()
    machine, clock = _Machine(server), _Machine(server)
    key = "rate:10.0.0.11"
    candidate(machine, "10.0.0.11", 5, 60)
    machine.meanwhile = lambda: clock.delete(key)  # as if the window's 60 s ran out just then
    candidate(machine, "10.0.0.11", 5, 60)
    require(
        clock.ttl(key) != -1,
        "the window ended (its count expired) between two commands of a request, and the count "
        "that request left behind never expires (TTL -1): once it reaches the limit, that client "
        "is locked out for good. Make the count and its expiry one atomic step.",
    )


class _PerProcess:
    """Wrong: a count in each process's memory, like flask-limiter's memory:// storage."""

    def __init__(self) -> None:
        self.counts: dict[tuple[int, str], int] = {}

    def __call__(self, cache: Any, client: str, limit: int, window: int) -> bool:
        key = (id(cache), client)
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key] <= limit


def _never_expires(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: without EXPIRE a client that hit the limit is locked out for good."""
    return bool(cache.incr(f"rate:{client}") <= limit)


def _off_by_one(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: allows one request fewer than the limit."""
    key = f"rate:{client}"
    count = cache.incr(key)
    if count == 1:
        cache.expire(key, window)
    return bool(count < limit)


def _expire_after_incr(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: a machine that dies between INCR and EXPIRE leaves a count that never expires."""
    key = f"rate:{client}"
    count = cache.incr(key)
    if count == 1:
        cache.expire(key, window)
    return bool(count <= limit)


def _read_then_write(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: GET, then SET: two machines can both read 4 and both write 5."""
    key = f"rate:{client}"
    count = int(cache.get(key) or 0) + 1
    if count == 1:
        cache.set(key, count, ex=window)
    else:
        cache.set(key, count, keepttl=True)
    return count <= limit


def _hash_never_expires(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: a count in a hash field, with no expiry: the client is locked out for good."""
    return bool(cache.hincrby(f"rate:{client}", "n", 1) <= limit)


def _list_never_expires(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: one list entry per request, never trimmed nor expired."""
    return bool(cache.rpush(f"rate:{client}", 1) <= limit)


def _unpruned_log(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: a log of requests in a sorted set that is never pruned nor expired."""
    key = f"rate:{client}"
    with cache.pipeline(transaction=True) as step:
        step.zadd(key, {f"{cache.incr(key + ':seq')}": 0})
        step.zcard(key)
        _, count = step.execute()
    return bool(count <= limit)


def _expiry_moved_every_call(cache: Any, client: str, limit: int, window: int) -> bool:
    """Wrong: every request restarts the window, so a client that keeps trying is never let in."""
    key = f"rate:{client}"
    with cache.pipeline(transaction=True) as step:
        step.incr(key)
        step.expire(key, window)
        count, _ = step.execute()
    return bool(count <= limit)


q3 = Exercise(
    "allow: a fixed-window rate limit that every machine shares",
    _check_allow,
    hints=[
        "cache.incr(key) adds 1 to the number stored under key (0 if there is none) and returns "
        "the new count, atomically: two machines can never both read 4 and both write 5.",
        "The count must also expire when its window ends, and that expiry must be set in the "
        "same atomic step as the count, or a machine that dies in between leaves a count that "
        "never expires. Redis runs the commands of a transaction, cache.pipeline("
        "transaction=True), as one step; set the expiry only when a window starts.",
    ],
    solution=allow,
    wrong=[
        _PerProcess(),
        _never_expires,
        _off_by_one,
        _expire_after_incr,
        _read_then_write,
        _expiry_moved_every_call,
        _hash_never_expires,
        _list_never_expires,
        _unpruned_log,
    ],
)
