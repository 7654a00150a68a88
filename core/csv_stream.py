"""CSV downloads streamed a chunk at a time, safe to open in a spreadsheet.

UTF-8 with a BOM (Excel then reads Persian correctly), and cells that a spreadsheet would run
as a formula neutralised (OWASP "CSV injection"): a leading ' makes them text, and is not shown.
"""
import csv
import io

FORMULA_START = frozenset("=+-@\t\r")
CHUNK_ROWS = 1000


def neutralise(value):
    """`value` as CSV cell text, prefixed with ' when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_START else text


def csv_stream(rows, chunk_rows=CHUNK_ROWS):
    """CSV text in chunks for an iterable of rows (lists of cells): a BOM, then a chunk per `chunk_rows`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for number, cells in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in cells])
        if number % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
