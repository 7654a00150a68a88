"""The import loop: read, clean and write in batches, counting outcomes and keeping failed rows.

Memory holds one batch at a time, whatever the file's size; the failed rows go to a CSV file as
they happen, with the line and the reason appended to each.
"""
import csv
from dataclasses import asdict, dataclass

from ...csv_stream import neutralise
from .clean import column_pairs, failed_row
from .reasons import describe_all

BATCH_SIZE = 2000  # rows per transaction: large enough to amortise each statement, small for memory


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, outcome):
        self.rows += 1
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self):
        return asdict(self)


class FailureFile:
    """Failed rows as read, plus their line and what was wrong: UTF-8 with BOM for Excel, with
    formula-looking cells neutralised like every CSV Chapar writes."""

    def __init__(self, path, header, column_names, extra_headers=("line", "problem")):
        self.path = path
        self.column_names = column_names  # target -> the header the reader knows it by
        self._handle = open(path, "w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._handle)
        self._width = len(header)
        self._writer.writerow([neutralise(h) for h in header] + [str(h) for h in extra_headers])
        self.count = 0

    def write(self, row):
        cells = list(row.cells[:self._width]) + [""] * max(0, self._width - len(row.cells))
        self._writer.writerow([neutralise(cell) for cell in cells]
                              + [row.line, neutralise(describe_all(row.problems, self.column_names))])
        self.count += 1

    def close(self):
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def clean_batches(source, mapping, cleaner, counts, batch_size=BATCH_SIZE):
    """Yield lists of CleanRows; blank rows are only counted (as skipped)."""
    batch = []
    for row in source.rows():
        if row.is_blank:
            counts.add("skipped")
            continue
        if row.problem:
            batch.append(failed_row(row.line, row.cells, row.problem, row.detail))
        else:
            batch.append(cleaner.clean(row.line, column_pairs(mapping, row.cells), row.cells))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_import(source, mapping, cleaner, writer, failures=None, progress=None, batch_size=BATCH_SIZE):
    """Import every row of `source`; returns Counts (and whether it was stopped).

    `progress(bytes_read, counts)` is called after each batch; returning False stops the import
    after that batch (what is written stays written).
    """
    counts = Counts()
    for batch in clean_batches(source, mapping, cleaner, counts, batch_size):
        writer.write(batch)
        for row in batch:
            counts.add(row.outcome or "failed")
            if row.outcome == "failed" and failures is not None:
                failures.write(row)
        if progress is not None and progress(source.bytes_read, counts) is False:
            return counts, True
    return counts, False


def preview_rows(source, mapping, cleaner, writer, limit=20):
    """The first `limit` non-blank rows, cleaned and given the outcome a real import would give."""
    counts = Counts()
    for batch in clean_batches(source, mapping, cleaner, counts, batch_size=limit):
        writer.write(batch)
        return batch
    return []
