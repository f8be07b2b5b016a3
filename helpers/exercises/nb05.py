"""Exercises of notebook 05, Sockets: framing a byte stream into messages."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator

from helpers.exercises import Exercise, require

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


def _check_unframe(candidate: Callable[[bytes], tuple[list[bytes], bytes]]) -> None:
    require(callable(candidate), "the answer should be a function that takes a bytes buffer.")
    for buffer, messages, rest in UNFRAME_CASES:
        got = candidate(buffer)
        require(
            isinstance(got, tuple) and len(got) == 2,
            f"unframe({buffer!r}) returned {got!r}; expected a pair (messages, rest).",
        )
        got_messages, got_rest = got
        require(
            list(got_messages) == messages,
            f"unframe({buffer!r}) found the messages {got_messages!r}; expected {messages!r}.",
        )
        require(
            got_rest == rest,
            f"unframe({buffer!r}) left {got_rest!r} over; expected {rest!r} (an incomplete "
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
]


def _check_lines_from(candidate: Callable[[Iterable[bytes]], Iterable[bytes]]) -> None:
    require(callable(candidate), "the answer should be a function that takes the chunks.")
    for chunks, expected in LINES_CASES:
        got = list(candidate(iter(chunks)))
        require(
            got == expected,
            f"lines_from({chunks!r}) gave {got!r}; expected {expected!r}. A piece without its "
            "final newline is not a complete message yet.",
        )


q2 = Exercise(
    "lines_from turns chunks of a stream into newline-delimited messages",
    _check_lines_from,
    hints=[
        "Keep a `pending` bytes buffer; add each chunk to it.",
        "`pending.split(b'\\n')` gives the complete lines, then one last piece that is still "
        "waiting for its newline (it may be empty): keep that last piece as the new `pending`.",
    ],
    solution=lines_from,
    wrong=[
        lambda chunks: b"".join(chunks).split(b"\n"),
        lambda chunks: [chunk.rstrip(b"\n") for chunk in chunks],
    ],
)
