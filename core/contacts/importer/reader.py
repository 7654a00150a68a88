"""Reading a CSV file of any size: its encoding and delimiter, then its rows, one at a time.

Nothing here holds more than one row (and a 64 KB sample) in memory: the file is streamed,
physical lines are capped in length, and the bytes read so far drive the progress bar.
"""
import codecs
import csv
import io
from dataclasses import dataclass, field

# A physical line longer than this is skipped with a reason rather than read into memory; a
# quoted field spanning lines is capped by the csv module's own limit, set to the same size.
MAX_LINE_CHARS = 1_000_000
csv.field_size_limit(MAX_LINE_CHARS)

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
_CHUNK = 1024 * 1024
_ARABIC_SCRIPT = ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
# Windows-1256 has no Persian ye: Windows saves «ی» as the Arabic «ي», which is turned back.
_CP1256_PERSIAN = str.maketrans("\u064a", "\u06cc")


class CsvFormatError(ValueError):
    """The file as a whole cannot be read. `code` is stable (the UI translates it); `line` is
    1-based where it helps, and `detail` says more in English."""

    def __init__(self, code, message, line=None, detail=""):
        super().__init__(message)
        self.code, self.message, self.line, self.detail = code, message, line, detail


@dataclass
class CsvFormat:
    encoding: str
    delimiter: str
    header: list
    sample_rows: list = field(default_factory=list)  # the first few data rows, for the mapping page


@dataclass
class Row:
    line: int  # where the record starts in the file (the header is line 1)
    cells: list
    problem: str = ""  # a code from reasons.py when the row cannot be used as it is
    detail: dict = field(default_factory=dict)

    @property
    def is_blank(self):
        return not self.problem and not "".join(self.cells).strip()


def _looks_persian(text):
    """Most non-ASCII letters are Arabic-script ones (what a cp1256 file of Persian text gives)."""
    arabic = other = 0
    for char in text:
        code = ord(char)
        if code < 128:
            continue
        if any(low <= code <= high for low, high in _ARABIC_SCRIPT):
            arabic += 1
        elif char.isalpha():
            other += 1
    return arabic > 0 and arabic >= 4 * other


def _check_decodes(path, encoding):
    """None when the whole file decodes strictly, else (line, offending bytes, byte offset)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    newlines = offset = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                start = max(0, min(exc.start, len(chunk)))  # the decoder may have buffered a byte or two
                return newlines + chunk.count(b"\n", 0, start) + 1, chunk[start:start + 4], offset + start
            if not chunk:
                return None
            newlines += chunk.count(b"\n")
            offset += len(chunk)


def detect_encoding(path):
    """utf-8-sig (with or without BOM), utf-16 (with BOM) or cp1256; CsvFormatError otherwise."""
    with open(path, "rb") as handle:
        start = handle.read(SAMPLE_BYTES)
    if not start.strip(b" \t\r\n\xef\xbb\xbf"):
        raise CsvFormatError("empty_file", "The file is empty.")
    encoding = "utf-16" if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    problem = _check_decodes(path, encoding)
    if problem is None:
        return encoding
    line, raw, offset = problem
    # Every byte decodes in cp1256, so whether the text reads as Persian is what decides; it is
    # judged where UTF-8 failed, since the start of the file may be plain ASCII.
    if encoding == "utf-8-sig" and not start.startswith(codecs.BOM_UTF8):
        with open(path, "rb") as handle:
            handle.seek(max(0, offset - SAMPLE_BYTES // 2))
            if _looks_persian(handle.read(SAMPLE_BYTES).decode("cp1256", "replace")):
                return "cp1256"
    raise CsvFormatError("bad_encoding", f"Line {line} is not valid {encoding.split('-sig')[0].upper()} "
                         f"(bytes {raw.hex(' ')}), and the file does not look like Windows-1256 Persian text.",
                         line=line, detail=raw.hex(" "))


def detect_delimiter(sample):
    """The delimiter of `sample` (text): csv.Sniffer's answer if the header agrees, else the
    candidate the header line holds most of; a comma for a one-column file."""
    lines = sample.splitlines()
    header = lines[0] if lines else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in counts and counts[sniffed]:
        return sniffed
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: the earlier in DELIMITERS
    return best if counts[best] else ","


class CsvSource:
    """An open CSV file: `header`, then `rows()`; `bytes_read` tells how far it has got."""

    def __init__(self, path, encoding, delimiter):
        self._raw = open(path, "rb")
        self._counter = _CountingReader(self._raw)
        self._text = io.TextIOWrapper(io.BufferedReader(self._counter, 1 << 16), encoding=encoding,
                                      errors="replace", newline="")
        self._too_long = set()
        self._persian = encoding == "cp1256"
        self._reader = csv.reader(self._lines(), delimiter=delimiter)
        self.header = self._read_header()

    @property
    def bytes_read(self):
        return self._counter.count

    def close(self):
        self._text.close()
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _lines(self):
        """Physical lines, each at most MAX_LINE_CHARS; a longer one is drained and replaced by an
        empty line (so line numbers stay right) and remembered as too long."""
        number = 0
        while True:
            line = self._text.readline(MAX_LINE_CHARS)
            if not line:
                return
            number += 1
            if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
                while True:
                    rest = self._text.readline(MAX_LINE_CHARS)
                    if not rest or rest.endswith(("\n", "\r")):
                        break
                self._too_long.add(number)
                line = "\n"
            yield line.translate(_CP1256_PERSIAN) if self._persian else line

    def _read_header(self):
        for row in self.rows(check_width=False):
            if row.problem:
                raise CsvFormatError("bad_header", "The first line cannot be read as column names.", line=row.line)
            if not row.is_blank:
                header = [cell.strip() for cell in row.cells]
                while header and not header[-1]:
                    header.pop()  # Excel's trailing empty columns
                return header
        raise CsvFormatError("empty_file", "The file is empty.")

    def rows(self, check_width=True):
        """Yield a Row per record; broken ones carry a problem code instead of stopping the file."""
        reader, width = self._reader, len(getattr(self, "header", ()))
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # Past the size limit the csv module drops the value and reads on from there, so
                # a quote that is never closed costs the rows it swallowed, not the whole file.
                code = "value_too_long" if "field limit" in str(exc) else "unreadable_row"
                yield Row(start, [], code, {"error": str(exc), "limit": MAX_LINE_CHARS})
                continue
            if not cells and reader.line_num in self._too_long:
                yield Row(start, [], "line_too_long", {"limit": MAX_LINE_CHARS})
                continue
            if check_width and len(cells) != width and any(cell.strip() for cell in cells):
                while len(cells) > width and not cells[-1].strip():
                    cells.pop()
                if len(cells) != width:
                    yield Row(start, cells, "wrong_cell_count", {"found": len(cells), "expected": width})
                    continue
            yield Row(start, cells)


class _CountingReader(io.RawIOBase):
    """A raw binary reader that counts the bytes it has handed out."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        size = self.raw.readinto(buffer)
        self.count += size or 0
        return size


def inspect_file(path, sample_rows=5):
    """Detect the encoding and delimiter and read the header and a few rows.

    Raises CsvFormatError for an empty file, a file with a header only, or an unreadable one.
    """
    encoding = detect_encoding(path)
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES).decode(encoding, "ignore")
    delimiter = detect_delimiter(sample)
    with CsvSource(path, encoding, delimiter) as source:
        rows = []
        for row in source.rows():
            if not row.is_blank:
                rows.append(row.cells)
            if len(rows) >= sample_rows:
                break
        if not rows:
            raise CsvFormatError("no_rows", "The file has column names but no rows below them.")
        return CsvFormat(encoding, delimiter, source.header, rows)
