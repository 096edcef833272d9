"""What a wave file really is, from its first bytes, and what is wrong with a CSV's first line.

A file's name says which reader opens it (.csv, .parquet, .sav or .zsav, .por); its first
bytes say what it holds. When the two disagree (a gzip or ZIP archive named .csv, a Parquet
file named .sav, a file of zero bytes from an interrupted copy) the refusal names what the
file holds, in the file's own terms, instead of letting a reader fail on it with a message
about something else. Every check reads at most `SNIFF_BYTES` bytes.
"""

from __future__ import annotations

from pathlib import Path

from lui.errors import LuiError

SNIFF_BYTES = 4096

# Leading bytes ("magic numbers") of the kinds of file a wave file is mistaken for:
# (magic, kind, what the file is, what to do).
MAGIC: tuple[tuple[bytes, str, str, str], ...] = (
    (b"\x1f\x8b", "gzip", "a gzip-compressed file", "decompress it first (gunzip)"),
    (b"PK\x03\x04", "zip", "a ZIP archive (an Excel .xlsx workbook or a zipped file)", ""),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole", "an Office file (an Excel .xls workbook?)", ""),
    (b"BZh", "bzip2", "a bzip2-compressed file", "decompress it first (bunzip2)"),
    (b"\xfd7zXZ\x00", "xz", "an xz-compressed file", "decompress it first (unxz)"),
    (b"\x28\xb5\x2f\xfd", "zstd", "a zstd-compressed file", "decompress it first (unzstd)"),
    (b"7z\xbc\xaf\x27\x1c", "7z", "a 7-Zip archive", "extract the wave file first"),
    (b"%PDF", "pdf", "a PDF document", ""),
    (b"PAR1", "parquet", "a Parquet file", "name it .parquet"),
    (b"$FL2", "sav", "an SPSS .sav file", "name it .sav"),
    (b"$FL3", "sav", "an SPSS compressed .zsav file", "name it .zsav"),
    (b"SQLite format 3\x00", "sqlite", "an SQLite database", ""),
)
# An SPSS portable file (.por) is text: a 200-byte banner ("ASCII SPSS PORT FILE" in five
# character sets), a 256-byte character table, then the tag "SPSSPORT" (lines may be broken
# every 80 characters, which moves the tag by a few bytes).
POR_TAG = b"SPSSPORT"
POR_TAG_WITHIN = 600
# What each wave format's reader needs the file to be, and how to make one.
FORMAT_KINDS = {"csv": "text", "parquet": "parquet", "sav": "sav", "por": "por"}
FORMAT_NAMES = {
    "csv": "CSV text",
    "parquet": "a Parquet file",
    "sav": "an SPSS .sav file",
    "por": "an SPSS portable .por file",
}
EXPORT_HINT = {
    "csv": "export the wave as comma-separated UTF-8 text",
    "parquet": "export the wave as Parquet",
    "sav": "export the wave as an SPSS .sav file",
    "por": "export the wave as an SPSS .sav file",
}


def _utf16(start: bytes) -> bool:
    """UTF-16 text without a byte-order mark: ASCII characters with a zero byte beside each."""
    if len(start) < 8:
        return False
    even, odd = start[0::2], start[1::2]
    return even.count(0) > 0.9 * len(even) or odd.count(0) > 0.9 * len(odd)


def sniff(start: bytes) -> tuple[str, str, str]:
    """(kind, what the file is, what to do) from a file's first bytes.

    kind is one of the MAGIC kinds, "por" (an SPSS portable file), "zeros" (nothing but zero
    bytes), "utf16", "binary" (zero bytes among others) or "text".
    """
    for magic, kind, description, hint in MAGIC:
        if start.startswith(magic):
            return kind, description, hint
    if POR_TAG in start[:POR_TAG_WITHIN] and b"SPSS PORT FILE" in start[:POR_TAG_WITHIN]:
        return "por", "an SPSS portable file", "name it .por"
    if start and start.count(0) == len(start):
        return (
            "zeros",
            (
                f"nothing but zero bytes (its first {len(start):,} bytes are all 0x00: an "
                "interrupted copy, or a file allocated but never written)"
            ),
            "copy the wave file again",
        )
    if start.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16(start):
        return "utf16", "UTF-16 text", "save it as UTF-8 CSV"
    if b"\x00" in start:
        return (
            "binary",
            (
                f"not text: it holds a NUL (zero) byte at byte {start.index(0):,} (binary "
                "data, or a damaged file)"
            ),
            "",
        )
    return "text", "text (a CSV file?)", "name a CSV file .csv"


def check_kind(path: Path, fmt: str) -> None:
    """Refuse a file whose first bytes are not what its name (`fmt`) promises."""
    with path.open("rb") as handle:
        start = handle.read(SNIFF_BYTES)
    kind, description, hint = sniff(start)
    if kind == FORMAT_KINDS[fmt]:
        return
    if kind == "utf16" and fmt == "csv":
        raise LuiError(f"{path.name} is UTF-16 text: {hint}")
    if kind == "binary":
        raise LuiError(f"{path.name} is {description}: {EXPORT_HINT[fmt]}")
    raise LuiError(
        f"{path.name} is {description}, not {FORMAT_NAMES[fmt]}: {hint or EXPORT_HINT[fmt]}"
    )


def check_header(path: Path, header: list[str]) -> None:
    """Refuse a CSV whose first line is not a line of column names, saying what it is."""
    first = ",".join(header).strip()
    if first.lower().startswith("sep="):
        raise LuiError(
            f"{path.name}: the first line {first!r} is Excel's delimiter hint, not the column "
            "names: delete that line (save as 'CSV UTF-8' without it)"
        )
    nameless = [index for index, name in enumerate(header, start=1) if not name.strip()]
    if nameless:
        trailing = nameless == list(range(len(header) - len(nameless) + 1, len(header) + 1))
        where = ", ".join(str(i) for i in nameless[:8])
        count = len(nameless)
        what = f"{count} column{'s' if count > 1 else ''} ({where} of {len(header)})"
        if trailing:
            raise LuiError(
                f"{path.name}: the header line ends with {count} empty column name"
                f"{'s' if count > 1 else ''} (a trailing comma on each line, or empty columns "
                f"left by a spreadsheet: {what}): delete the empty columns"
            )
        verb = "has" if count == 1 else "have"
        raise LuiError(f"{path.name}: {what} {verb} no name in the header line")
