"""CSV import of contacts: streamed, batched, previewed, run in the background.

    reader     encoding and delimiter detection, rows streamed with per-row problems
    targets    what a column can become, guessed from English and Persian headers
    clean      a row's raw values into stored values (chapar.contacts' rules, no queries)
    writer     a batch upserted with a handful of set-based statements
    pipeline   the loop: batches, counts, the failed-rows file, progress
    jobs       an ImportJob's life: upload, choices, preview, RQ job, cancel, clean-up
"""
from .clean import CleanRow, RowCleaner
from .jobs import (ImportSettingsInvalid, cancel, configure, create_import, execute, new_upload_path, preview,
                   reconcile, run_import_job, run_now, sample_rows, start, sweep_stale_uploads)
from .pipeline import Counts
from .reader import CsvFormatError, inspect_file
from .reasons import describe, describe_all, describe_file_error, describe_job_error
from .targets import all_targets, suggest_mapping, target_label
from .writer import BatchWriter, WriteOptions

__all__ = [
    "BatchWriter", "CleanRow", "Counts", "CsvFormatError", "ImportSettingsInvalid", "RowCleaner", "WriteOptions",
    "all_targets", "cancel", "configure", "create_import", "describe", "describe_all", "describe_file_error",
    "describe_job_error", "execute", "inspect_file", "new_upload_path", "preview", "reconcile", "run_import_job",
    "run_now", "sample_rows", "start", "suggest_mapping", "target_label", "sweep_stale_uploads",
]
