"""Which encoding a text file is in, and a UTF-8 copy of it for DuckDB.

DuckDB's CSV and JSON readers read UTF-8. Exports from Excel and older CRMs
come in UTF-8 with a byte order mark, UTF-16 (Excel's "Unicode text") or a
Windows code page (1251 for Cyrillic, 1252 for Western European). The order of
the checks, cheapest and surest first:

1. a declared ``encoding`` (export.yml) wins over detection, but not over
   certainty: a file with a byte order mark, or with whole lines of valid
   UTF-8 text, is read as what it certainly is, and the report says it did
   not take the declared encoding (``_certain``);
2. a byte order mark: UTF-8-BOM or UTF-16 LE/BE;
3. the whole file decodes as UTF-8 (streamed in 1 MB chunks): UTF-8. A file
   that is ASCII up to line 30 and has one Windows-1251 byte on line 31 is
   therefore not UTF-8, wherever that byte is;
4. otherwise charset-normalizer chooses among the code pages the loader
   supports (``CANDIDATES``), looking at the lines that have non-ASCII bytes
   (up to 1 MB of them), if there is enough evidence
   (``DECISIVE_BYTES``). What it cannot tell apart (one accented word can be
   valid in both 1251 and 1252) is an error that names the line and asks for
   ``encoding`` in export.yml; a file with UTF-8 text and then a byte that is
   not UTF-8 (mixed encodings) is an error too.

A file that is not UTF-8 is transcoded to a temporary UTF-8 file by the
codec's incremental decoder, 1 MB at a time (never row by row), and DuckDB
reads that copy; row numbers and the file name in messages stay the
original's.
"""

from __future__ import annotations

import codecs
import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

from orchestration.load.errors import LoadError

CHUNK = 1 << 20
SAMPLE = 1 << 20  # bytes of the file start that charset-normalizer sees
# Code pages chosen among when a file is neither UTF-8 nor marked by a BOM.
CANDIDATES = ("cp1251", "cp1252")
# A code page is chosen only on enough evidence: it is the only candidate that
# decodes the bytes, or there are enough non-ASCII bytes for charset-normalizer's
# mess and language measures to mean something. One word is not enough: 'café'
# in 1252 is 'cafй' in 1251, and byte 0xE9 alone is 'é' or 'й'. Then the
# encoding is declared (export.yml), never guessed.
DECISIVE_BYTES = 32
MIXED_CHARS = 3
# What each codec is called in messages.
DISPLAY = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE",
           "utf-16-be": "UTF-16 BE", "cp1251": "Windows-1251", "cp1252": "Windows-1252"}


@dataclass(frozen=True)
class Encoding:
    """The encoding of one file and how it was found."""

    codec: str  # Python codec name
    how: str  # 'declared' | 'byte order mark' | 'detected' | 'valid UTF-8'

    @property
    def display(self) -> str:
        return DISPLAY.get(self.codec, self.codec)

    @property
    def needs_transcoding(self) -> bool:
        # DuckDB reads UTF-8 and skips a UTF-8 byte order mark itself
        return self.codec not in ("utf-8", "utf-8-sig")


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, gunzipped when its name ends in .gz."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _non_ascii_lines(path: Path) -> list[bytes]:
    """The file's lines that have a byte >= 0x80, up to SAMPLE bytes: what tells code pages apart.

    The ASCII rest of the file says nothing about its code page and would
    dilute the few words that do (one Cyrillic word on line 31 of a file).
    """
    found: list[bytes] = []
    size = 0
    tail = b""
    with open_binary(path) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            data = tail + chunk
            cut = data.rfind(b"\n") + 1
            data, tail = (data[:cut], data[cut:]) if cut else (b"", data)
            for match in _NON_ASCII_LINE.finditer(data):
                found.append(match.group())
                size += len(match.group())
                if size >= SAMPLE:
                    return found
    found.extend(m.group() for m in _NON_ASCII_LINE.finditer(tail))
    return found


_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")


def _first_invalid_utf8(path: Path) -> int | None:
    """None if the file is UTF-8, else the offset of the first byte that is not."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open_binary(path) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return offset + error.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:  # a truncated multi-byte sequence at the end
            return offset + error.start
    return None


def _utf8_text(lines: list[bytes]) -> bool:
    """Whether some line is UTF-8 text: valid UTF-8 with at least MIXED_CHARS non-ASCII characters.

    A short run of code-page bytes can happen to be valid UTF-8 (Windows-1251
    'Рі' is the UTF-8 of 'г'); a whole line of several such characters is not
    a coincidence.
    """
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum(1 for c in text if ord(c) > 127) >= MIXED_CHARS:
            return True
    return False


def _line_of(path: Path, offset: int) -> int:
    """1-based line number (of the file, header = line 1) of a byte offset."""
    lines, seen = 1, 0
    with open_binary(path) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            part = chunk[: max(0, offset - seen)]
            lines += part.count(b"\n")
            seen += len(chunk)
            if seen >= offset:
                break
    return lines


def detect_encoding(path: Path, declared: str | None = None) -> Encoding:
    """The encoding of ``path`` (see the module docstring for the order of the checks)."""
    with open_binary(path) as handle:
        head = handle.read(SAMPLE)
    if declared:
        return _certain(path, declared, head) or Encoding(declared, "declared")
    if head.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", "byte order mark")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Encoding("utf-16", "byte order mark")
    invalid = _first_invalid_utf8(path)
    if invalid is None:
        return Encoding("utf-8", "valid UTF-8")
    offset = invalid
    where = f"line {_line_of(path, offset)} has byte 0x{_byte_at(path, offset):02x}"
    fix = "save the export as UTF-8 or declare its encoding in export.yml (for example encoding: windows-1251)"
    if head[:4096].count(b"\x00") > len(head[:4096]) // 4:  # UTF-16 without a byte order mark
        candidates, sample = ["utf_16_le", "utf_16_be"], head
    else:
        lines = _non_ascii_lines(path)
        if _utf8_text(lines):
            raise LoadError(f"{path}: mixed encodings: lines of UTF-8 text, and {where}, which is not UTF-8; {fix}")
        candidates, sample = list(CANDIDATES), b"\n".join(lines)
    matches = sorted(from_bytes(sample, cp_isolation=candidates), key=lambda m: m.chaos)
    if not matches:
        raise LoadError(f"{path}: not UTF-8 ({where}) and not recognisably "
                        f"{' or '.join(DISPLAY.get(c, c) for c in candidates)}; {fix}")
    best = matches[0]
    evidence = sum(1 for byte in sample if byte >= 0x80)
    if len(matches) > 1 and evidence < DECISIVE_BYTES:
        names = " or ".join(DISPLAY.get(codecs.lookup(m.encoding).name, m.encoding) for m in matches[:2])
        raise LoadError(f"{path}: not UTF-8 ({where}); too few such bytes to tell whether it is {names}; {fix}")
    return Encoding(codecs.lookup(best.encoding).name, "detected")


def _certain(path: Path, declared: str, head: bytes) -> Encoding | None:
    """What a file certainly is when that contradicts the declared encoding, else None.

    A declared encoding settles what detection cannot (a code page); it does
    not overrule certainty. A byte order mark, or whole lines of valid UTF-8
    text, say what the file is; decoding it as the declared code page instead
    would turn every non-ASCII letter into garbage without a word. So export.yml's
    ``encoding`` applies to the files that are not certainly something else,
    and the report says which did not take it.
    """
    shown = DISPLAY.get(declared, declared)
    family = "utf-16" if declared.startswith("utf-16") else "utf-8" if declared.startswith("utf-8") else None
    if head.startswith(codecs.BOM_UTF8) and family != "utf-8":
        return Encoding("utf-8-sig", f"byte order mark; not the declared {shown}")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and family != "utf-16":
        return Encoding("utf-16", f"byte order mark; not the declared {shown}")
    if family is None and _first_invalid_utf8(path) is None and _utf8_text(_non_ascii_lines(path)):
        return Encoding("utf-8", f"valid UTF-8 text; not the declared {shown}")
    return None


def _byte_at(path: Path, offset: int) -> int:
    with open_binary(path) as handle:
        handle.seek(offset) if not path.name.lower().endswith(".gz") else handle.read(offset)
        data = handle.read(1)
    return data[0] if data else 0


def transcode(path: Path, encoding: Encoding, destination: Path) -> Path:
    """Write ``path`` (decoded with ``encoding``) to ``destination`` as UTF-8, 1 MB at a time."""
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="strict")
    offset = 0
    try:
        with open_binary(path) as source, open(destination, "w", encoding="utf-8", newline="") as target:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                text = decoder.decode(chunk)
                if offset == 0 and text.startswith("\ufeff"):
                    text = text[1:]
                target.write(text)
                offset += len(chunk)
            target.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as error:
        position = offset + error.start
        raise LoadError(
            f"{path}: line {_line_of(path, position)} has byte 0x{_byte_at(path, position):02x}, which is not "
            f"{encoding.display} ({encoding.how}); save the export as UTF-8 or declare its encoding in "
            "export.yml") from None
    except (OSError, EOFError) as error:
        raise LoadError(f"{path}: cannot be read: {error}") from None
    return destination
