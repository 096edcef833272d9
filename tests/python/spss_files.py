"""SPSS files as agencies deliver them, where pyreadstat cannot write them: multiple-response
sets (pyreadstat reads them but does not write them).

`add_mr_sets` inserts the multiple-response sets record (type 7, subtype 7) into a .sav that
pyreadstat wrote, before the dictionary's termination record, in the format of the PSPP
developers' guide ("System File Format", "Multiple Response Sets Records"):
`$name=C <label length> <label> <variables>` or `$name=D<counted length> <counted> ...`.
"""

from __future__ import annotations

import struct
from pathlib import Path

HEADER_BYTES = 176


def _dictionary_end(data: bytes) -> int:
    """The offset of the dictionary termination record (type 999)."""
    at = HEADER_BYTES
    while True:
        (kind,) = struct.unpack_from("<i", data, at)
        if kind == 999:
            return at
        if kind == 2:  # variable
            _, _, has_label, missing, *_ = struct.unpack_from("<iiiiii", data, at)
            at += 32
            if has_label:
                (length,) = struct.unpack_from("<i", data, at)
                at += 4 + (length + 3) // 4 * 4
            at += abs(missing) * 8
        elif kind == 3:  # value labels, then their type 4 record
            (count,) = struct.unpack_from("<i", data, at + 4)
            at += 8
            for _ in range(count):
                length = data[at + 8]
                at += 8 + (length + 1 + 7) // 8 * 8
            (_, variables) = struct.unpack_from("<ii", data, at)
            at += 8 + 4 * variables
        elif kind == 6:  # documents
            (lines,) = struct.unpack_from("<i", data, at + 4)
            at += 8 + 80 * lines
        elif kind == 7:  # extension
            _, _, size, count = struct.unpack_from("<iiii", data, at)
            at += 16 + size * count
        else:
            raise ValueError(f"unknown record type {kind} at byte {at}")


def category_set(name: str, label: str, variables: list[str]) -> str:
    return f"{name}=C {len(label.encode())} {label} {' '.join(variables)}"


def dichotomy_set(name: str, label: str, counted: int, variables: list[str]) -> str:
    value = str(counted)
    return f"{name}=D{len(value)} {value} {len(label.encode())} {label} {' '.join(variables)}"


def add_mr_sets(path: Path, sets: list[str]) -> Path:
    data = path.read_bytes()
    at = _dictionary_end(data)
    text = ("\n" + "\n".join(sets) + "\n").encode()
    record = struct.pack("<iiii", 7, 7, 1, len(text)) + text
    path.write_bytes(data[:at] + record + data[at:])
    return path
