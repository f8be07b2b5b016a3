"""Exercises of notebook 05, Sockets: framing a byte stream into messages, and a client that
keeps to a deadline over a real loopback connection."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from helpers import net
from helpers.exercises import Exercise, NotYet, answer_of, require

HEADER = struct.Struct("!I")  # a 4-byte unsigned length, big-endian ("network byte order")


def _frame(message: bytes) -> bytes:
    return HEADER.pack(len(message)) + message


def unframe(buffer: bytes) -> tuple[list[bytes], bytes]:
    messages = []
    while len(buffer) >= HEADER.size:
        (length,) = HEADER.unpack_from(buffer)
        end = HEADER.size + length
        if len(buffer) < end:
            break  # the rest of this frame has not arrived yet
        messages.append(buffer[HEADER.size : end])
        buffer = buffer[end:]
    return messages, buffer


UNFRAME_CASES: list[tuple[bytes, list[bytes], bytes]] = [
    (b"", [], b""),
    (_frame(b"hello"), [b"hello"], b""),
    (_frame(b"hello") + _frame(b"world"), [b"hello", b"world"], b""),
    (_frame(b""), [b""], b""),
    (_frame(b"one") + _frame(b"two")[:6], [b"one"], _frame(b"two")[:6]),
    (_frame(b"one")[:3], [], _frame(b"one")[:3]),
    (_frame(b"x" * 300) + _frame(b"caf\xc3\xa9"), [b"x" * 300, b"caf\xc3\xa9"], b""),
]


def _shown(data: bytes) -> str:
    """The repr of `data`, cut short if it is long."""
    text = repr(data)
    return text if len(text) <= 60 else f"{text[:50]}...' ({len(data)} bytes)"


def _check_unframe(candidate: Callable[[bytes], tuple[list[bytes], bytes]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a bytes buffer.")
    for buffer, messages, rest in UNFRAME_CASES:
        got = answer_of(f"unframe({_shown(buffer)})", candidate, buffer)
        require(
            isinstance(got, tuple) and len(got) == 2,
            f"unframe({_shown(buffer)}) returned {got!r}; expected a pair (messages, rest).",
        )
        got_messages, got_rest = got
        require(
            list(got_messages) == messages,
            f"unframe({_shown(buffer)}) found the messages {got_messages!r}; expected "
            f"{messages!r}.",
        )
        require(
            got_rest == rest,
            f"unframe({_shown(buffer)}) left {got_rest!r} over; expected {rest!r} (an incomplete "
            "frame must be kept for the next recv).",
        )


q1 = Exercise(
    "unframe splits a buffer into complete length-prefixed messages",
    _check_unframe,
    hints=[
        "Loop while the buffer holds at least 4 bytes: read the length with "
        "`struct.unpack_from('!I', buffer)`.",
        "If the buffer is shorter than 4 + length, the frame is incomplete: stop and return "
        "what is left, header included.",
        "After a complete frame, cut it off the front: `buffer = buffer[4 + length:]`.",
    ],
    solution=unframe,
    wrong=[
        lambda buffer: ([buffer[4:]] if buffer else [], b""),
        lambda buffer: ([], buffer),
    ],
)


def lines_from(chunks: Iterable[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        yield from complete


LINES_CASES: list[tuple[list[bytes], list[bytes]]] = [
    ([b"hello\n"], [b"hello"]),
    ([b"he", b"llo\nwor", b"ld\n"], [b"hello", b"world"]),
    ([b"a\nb\nc\n"], [b"a", b"b", b"c"]),
    ([b"one\n", b"\n", b"three"], [b"one", b""]),
    ([b"caf\xc3", b"\xa9\n"], [b"caf\xc3\xa9"]),
    ([], []),
    ([b"x\ry\n"], [b"x\ry"]),
    ([b"a \r\n"], [b"a \r"]),
]
KEPT_BYTES = b" \r"  # bytes of a message that lookalikes of b"\n" (splitlines, rstrip) remove


class _StillWaiting(Exception):
    """Raised by the laziness check's chunks where a socket's next recv would still wait."""


def _one_chunk_then_waiting() -> Iterator[bytes]:
    yield b"a\n"
    raise _StillWaiting("the next recv has not returned yet")


def _check_lines_from(candidate: Callable[[Iterable[bytes]], Iterable[bytes]]) -> None:
    require(callable(candidate), "the answer should be a function that takes the chunks.")
    for chunks, expected in LINES_CASES:
        got = answer_of(f"lines_from({chunks!r})", lambda c=chunks: list(candidate(iter(c))))
        why = (
            "Only b'\\n' ends a message, and only it is removed: a b'\\r' or a space is "
            "part of the message."
            if any(byte in KEPT_BYTES for chunk in chunks for byte in chunk)
            else "A piece without its final newline is not a complete message yet."
        )
        require(
            got == expected,
            f"lines_from({chunks!r}) gave {got!r}; expected {expected!r}. {why}",
        )
    waiting = (
        "lines_from(chunks) asked for the next chunk before it handed over b'a', although the "
        "chunk b'a\\n' had already arrived. From a socket, that next chunk is a recv that may "
        "wait a long time: yield each line as soon as its newline is there."
    )
    try:
        lines = candidate(_one_chunk_then_waiting())
        first = next(iter(lines), None)
    except _StillWaiting:
        raise NotYet(waiting) from None
    require(
        first == b"a",
        f"given the chunk b'a\\n' and then nothing yet, lines_from's first line was {first!r}; "
        "expected b'a'.",
    )


q2 = Exercise(
    "lines_from turns chunks of a stream into newline-delimited messages",
    _check_lines_from,
    hints=[
        "Keep a `pending` bytes buffer; add each chunk to it.",
        "`pending.split(b'\\n')` gives the complete lines, then one last piece that is still "
        "waiting for its newline (it may be empty): keep that last piece as the new `pending`.",
        "Yield the complete lines inside the loop over the chunks, as soon as they are there: "
        "the next chunk may be a recv that takes a long time to return.",
    ],
    solution=lines_from,
    wrong=[
        lambda chunks: b"".join(chunks).split(b"\n"),
        lambda chunks: [chunk.rstrip(b"\n") for chunk in chunks],
        lambda chunks: b"".join(chunks).split(b"\n")[:-1],  # right lines, but only at the end
    ],
)


# --- q3: a client over a real socket, with a deadline for the whole exchange.


def request(address: tuple[str, int], message: bytes, deadline: float = 2.0) -> bytes:
    """Send `message` with a 4-byte length prefix, return the server's length-prefixed reply,
    and raise TimeoutError if the whole exchange takes longer than `deadline` seconds."""
    give_up = time.monotonic() + deadline

    def time_left() -> float:
        left = give_up - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete reply within {deadline} s")
        return left

    with socket.create_connection(address, timeout=deadline) as sock:
        sock.settimeout(time_left())  # connecting used part of the deadline: sendall gets the rest
        sock.sendall(HEADER.pack(len(message)) + message)

        def read_exactly(size: int) -> bytes:
            data = b""
            while len(data) < size:
                sock.settimeout(time_left())  # this recv may only use what is left
                chunk = sock.recv(size - len(data))
                if not chunk:
                    raise ConnectionError("the server closed before its reply was complete")
                data += chunk
            return data

        (length,) = HEADER.unpack(read_exactly(HEADER.size))
        return read_exactly(length)


def _read_request(connection: socket.socket) -> bytes | None:
    """The server side: one length-prefixed request, or None if the client sent less."""
    data = b""
    while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    return data[HEADER.size :]


def _reply_in_pieces(connection: socket.socket, address: tuple[str, int]) -> None:
    """Answer with the request reversed, cut into pieces that arrive a little apart."""
    message = _read_request(connection)
    if message is None:
        return
    reply = _frame(message[::-1])
    connection.sendall(reply[:2])  # half of the prefix first
    time.sleep(0.05)
    for start in range(2, len(reply), 20_000):
        connection.sendall(reply[start : start + 20_000])
        time.sleep(0.02)


def _never_answer(connection: socket.socket, address: tuple[str, int]) -> None:
    """Read the request, then say nothing until the client gives up (or 4 s pass)."""
    if _read_request(connection) is not None:
        connection.recv(1)


def _trickle(connection: socket.socket, address: tuple[str, int]) -> None:
    """Announce a 40-byte reply, then send it one byte every 0.1 s (4 s in all)."""
    if _read_request(connection) is None:
        return
    connection.sendall(HEADER.pack(40))
    for _ in range(40):
        time.sleep(0.1)
        connection.sendall(b".")


def _quiet_before_the_deadline(connection: socket.socket, address: tuple[str, int]) -> None:
    """Announce a 40-byte reply, send a byte every 0.1 s for 0.8 s, then nothing (4 s at most)."""
    if _read_request(connection) is None:
        return
    connection.sendall(HEADER.pack(40))
    for _ in range(8):
        time.sleep(0.1)
        connection.sendall(b".")
    connection.recv(1)  # until the client gives up, or the connection's timeout


def _hang_up_halfway(connection: socket.socket, address: tuple[str, int]) -> None:
    """Announce a 20-byte reply, send 10 of its bytes, and close."""
    if _read_request(connection) is not None:
        connection.sendall(HEADER.pack(20) + b"0123456789")


REQUEST_MESSAGES = [b"hello", b"", "caf\u00e9 \u2615".encode(), bytes(range(256)) * 400]
DEADLINE = 1.0  # for the slow servers
SHORT_DEADLINE = 0.5  # the silent server once more: an answer must use the deadline it is given
EARLY = 0.05  # how long before the deadline a correct answer may raise (clock rounding)
LATE = 0.4  # how long after the deadline a correct answer may raise, on a busy machine
SLACK = 1.5  # how long after the deadline the checker stops waiting for an answer


def _outcome(
    candidate: Callable[..., object], address: tuple[str, int], message: bytes, deadline: float
) -> tuple[bool, object, BaseException | None, float]:
    """Run `candidate(address, message, deadline)` in a thread, waiting at most deadline + SLACK:
    (finished, returned value, raised error, seconds it took)."""
    result: dict[str, object] = {}
    started = time.monotonic()

    def attempt() -> None:
        try:
            result["value"] = candidate(address, message, deadline)
        except BaseException as error:  # reported to the checker, never lost in the thread
            result["error"] = error
        result["took"] = time.monotonic() - started

    worker = threading.Thread(target=attempt, daemon=True, name="nb05-q3-answer")
    worker.start()
    worker.join(deadline + SLACK)
    error = result.get("error")
    if isinstance(error, NotImplementedError | NotYet):
        raise error
    took = result.get("took", time.monotonic() - started)
    return not worker.is_alive(), result.get("value"), error, took  # type: ignore[return-value]


def _check_request(candidate: Callable[..., object]) -> None:
    require(
        callable(candidate),
        "the answer should be a function request(address, message, deadline).",
    )
    with net.serve_tcp(_reply_in_pieces, name="nb05-q3-pieces", timeout=4) as server:
        for message in REQUEST_MESSAGES:
            case = f"a {len(message)}-byte message"
            finished, value, error, _ = _outcome(candidate, server.address, message, 3.0)
            require(
                finished,
                f"for {case}, your function was still waiting after 4.5 s, though the server "
                "answers within a fraction of a second. It reads a 4-byte length, then that many "
                "bytes: does your request carry its prefix, and does your function stop once "
                "the reply is complete?",
            )
            require(error is None, f"for {case}, your function raised {error!r}.")
            require(
                isinstance(value, bytes | bytearray),
                f"for {case}, your function returned {type(value).__name__}; return the "
                "reply's bytes.",
            )
            assert isinstance(value, bytes | bytearray)
            require(
                bytes(value) == message[::-1],
                f"for {case}, your function returned {len(value)} bytes that are not the reply "
                f"(the server answered {len(message)} bytes, sent in several pieces). One recv "
                "returns whatever has arrived: keep reading until the whole reply is there, "
                "and no further.",
            )
    slow_servers = [
        (
            _never_answer,
            "a server that never answers",
            "Nothing bounds how long one recv may wait on a silent peer.",
        ),
        (
            _trickle,
            "a server that sends its reply one byte every 0.1 s",
            "The deadline is for the whole exchange: a timeout on each recv alone lets a peer "
            "that sends a byte now and then keep you waiting as long as it likes.",
        ),
        (
            _quiet_before_the_deadline,
            "a server that sends a byte every 0.1 s and goes quiet 0.8 s in",
            "Checking the clock between two recv calls is not enough: a recv that starts just "
            "before the deadline may then wait its whole timeout. Give each recv only the time "
            "that is left of the deadline.",
        ),
    ]
    short = (  # the silent server twice: with a short deadline first, which fails fast
        _never_answer,
        "a server that never answers",
        "Nothing may keep your function waiting past the deadline it is given: compute when "
        "to give up from `deadline`, not from a fixed time.",
        SHORT_DEADLINE,
    )
    slow_cases = [short, *((*server, DEADLINE) for server in slow_servers)]
    for handler, who, why, deadline in slow_cases:
        with net.serve_tcp(handler, name="nb05-q3-slow", timeout=4) as server:
            finished, value, error, took = _outcome(candidate, server.address, b"hello", deadline)
        require(
            finished,
            f"against {who}, request(..., deadline={deadline}) was still waiting after "
            f"{deadline + SLACK:.1f} s. {why}",
        )
        require(
            isinstance(error, TimeoutError),
            f"against {who}, request(..., deadline={deadline}) should raise TimeoutError once "
            f"the deadline has passed; it "
            + (f"raised {error!r}." if error is not None else f"returned {value!r}."),
        )
        require(
            took >= deadline - EARLY,
            f"against {who}, request(..., deadline={deadline}) raised TimeoutError after only "
            f"{took:.1f} s, before its deadline: give up when the deadline you were given has "
            "passed, not sooner.",
        )
        require(
            took <= deadline + LATE,
            f"against {who}, request(..., deadline={deadline}) raised TimeoutError only after "
            f"{took:.1f} s. {why}",
        )
    with net.serve_tcp(_hang_up_halfway, name="nb05-q3-hang-up", timeout=4) as server:
        finished, value, error, _ = _outcome(candidate, server.address, b"hello", 3.0)
    require(
        finished and isinstance(error, ConnectionError),
        "against a server that promises 20 bytes, sends 10 and closes, your function should "
        "raise ConnectionError (or one of its subclasses) at once: recv returning b'' means no "
        "more bytes will ever come. It "
        + (
            "was still waiting."
            if not finished
            else f"raised {error!r}."
            if error is not None
            else f"returned {value!r}."
        ),
    )


def _one_recv(address: tuple[str, int], message: bytes, deadline: float = 2.0) -> bytes:
    with socket.create_connection(address, timeout=deadline) as sock:
        sock.sendall(HEADER.pack(len(message)) + message)
        return sock.recv(65536)[HEADER.size :]


def _no_timeout(address: tuple[str, int], message: bytes, deadline: float = 2.0) -> bytes:
    with socket.create_connection(address) as sock:
        sock.sendall(HEADER.pack(len(message)) + message)
        with sock.makefile("rb") as replies:
            (length,) = HEADER.unpack(replies.read(HEADER.size))
            return replies.read(length)


def _timeout_per_recv(address: tuple[str, int], message: bytes, deadline: float = 2.0) -> bytes:
    with socket.create_connection(address, timeout=deadline) as sock:
        sock.sendall(HEADER.pack(len(message)) + message)
        data = b""
        while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed early")
            data += chunk
        return data[HEADER.size :]


def _keeps_what_came(address: tuple[str, int], message: bytes, deadline: float = 2.0) -> bytes:
    give_up = time.monotonic() + deadline
    with socket.create_connection(address, timeout=deadline) as sock:
        sock.sendall(HEADER.pack(len(message)) + message)
        data = b""
        while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
            sock.settimeout(max(give_up - time.monotonic(), 0.001))
            chunk = sock.recv(65536)
            if not chunk:
                break  # returns a short reply as if it were whole
            data += chunk
        return data[HEADER.size :]


def _clock_checked_between_recvs(
    address: tuple[str, int], message: bytes, deadline: float = 2.0
) -> bytes:
    """A timeout of the whole deadline on each recv, and the clock checked between them: a recv
    that starts just before the deadline overshoots it by up to a whole deadline."""
    started = time.monotonic()
    with socket.create_connection(address, timeout=deadline) as sock:
        sock.sendall(HEADER.pack(len(message)) + message)
        data = b""
        while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
            if time.monotonic() - started > deadline:
                raise TimeoutError("deadline passed")
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed early")
            data += chunk
        return data[HEADER.size :]


def _misspelled_error(address: tuple[str, int], message: bytes, deadline: float = 2.0) -> bytes:
    """Right, except that its b'' branch names an error that does not exist, as a typo would
    (`raise ConectionError(...)`): a NameError, not a ConnectionError."""
    give_up = time.monotonic() + deadline
    with socket.create_connection(address, timeout=deadline) as sock:
        sock.sendall(HEADER.pack(len(message)) + message)
        data = b""
        while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
            left = give_up - time.monotonic()
            if left <= 0:
                raise TimeoutError("deadline passed")
            sock.settimeout(left)
            chunk = sock.recv(65536)
            if not chunk:
                raise NameError("name 'ConectionError' is not defined")
            data += chunk
        return data[HEADER.size :]


q3 = Exercise(
    "request frames a message, reads the whole reply and keeps to its deadline",
    _check_request,
    hints=[
        "Send `frame(message)`, then read exactly 4 bytes, then exactly the length they give: "
        "two loops of recv like `recv_exactly`, because one recv may return any part.",
        "Compute the moment to give up once, `time.monotonic() + deadline`, and before each recv "
        "give the socket only what is left of it (`sock.settimeout(left)`); raise TimeoutError "
        "when nothing is left.",
        "`recv` returning b'' means the server has closed: raise ConnectionError rather than "
        "return an incomplete reply.",
    ],
    solution=request,
    wrong=[
        _one_recv,
        _no_timeout,
        _timeout_per_recv,
        _clock_checked_between_recvs,
        _keeps_what_came,
        _misspelled_error,
    ],
)
