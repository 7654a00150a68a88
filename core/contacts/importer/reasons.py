"""Why a row (or a whole file) could not be imported, in words a person can act on.

Problems are stored as codes with parameters and put into words only when shown, in the
reader's language: on the preview page, in the failed-rows file (in the language of whoever
started the import) and, in English, in the API's per-item errors.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

# Field-level problems (FieldError codes from chapar.contacts, and the importer's own).
FIELD_MESSAGES = {
    "invalid_email": _l("not a valid email address"),
    "invalid_phone": _l("not a valid phone number"),
    "phone_without_country": _l("has no country code (such as +98), and no default country is set: an "
                                "administrator can set one in Settings"),
    "too_long": _l("too long (at most %(limit)s characters)"),
    "invalid_country": _l("use a two-letter country code such as IR"),
    "invalid_time_zone": _l("not a known time zone (use a name such as Asia/Tehran)"),
    "invalid_source": _l("not a known source"),
    "invalid_number": _l("not a number"),
    "invalid_date": _l("not a date (use YYYY-MM-DD)"),
    "invalid_choice": _l("not one of the field's choices"),
    "invalid_boolean": _l("expected yes or no"),
    "invalid_tag": _l("a tag may have at most 100 characters"),
    "invalid_owner": _l("no such user"),
    "unknown_field": _l("unknown field"),
    "nul_character": _l("contains a NUL character, which cannot be stored"),
    "taken": _l("already belongs to another contact (#%(id)s)"),
    "taken_in_file": _l("already used by another contact earlier in this import"),
    "invalid_value": _l("not a valid value"),
}
# Problems of the row as a whole.
ROW_MESSAGES = {
    "missing_key": _l("%(key)s is empty, and contacts are matched by it"),
    "wrong_cell_count": _l("%(found)s cells, but the header has %(expected)s columns"),
    "line_too_long": _l("the line is longer than %(limit)s characters and was not read"),
    "unreadable_row": _l("the row cannot be read as CSV (%(error)s)"),
    "value_too_long": _l("a value is longer than %(limit)s characters, perhaps from a quote that is never "
                         "closed; the rows it ran over were not read"),
    "database_error": _l("the database refused the row (%(error)s)"),
}
# Problems of the whole file (reader.CsvFormatError codes).
FILE_MESSAGES = {
    "empty_file": _l("The file is empty."),
    "no_rows": _l("The file has column names but no rows below them."),
    "bad_header": _l("The first line cannot be read as column names."),
    "bad_encoding": _l("Line %(line)s is not valid UTF-8 and the file does not look like Windows-1256 (Persian "
                       "Excel) text either. Save it from your spreadsheet as “CSV UTF-8” and upload it again."),
}

# Why a whole import stopped, stored as a code on ImportJob.error.
JOB_MESSAGES = {
    "internal_error": _l("Chapar hit an unexpected error; it is in the server log and on the Jobs page."),
    "job_died": _l("The background job stopped unexpectedly (was the worker restarted?). Rows imported before "
                   "that are kept; upload the file again to finish."),
}


@dataclass
class Problem:
    code: str
    target: str = ""  # the field it concerns ("" for the whole row)
    params: dict = field(default_factory=dict)


def _words(table, code, params):
    message = table.get(code)
    if message is None:
        return code
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)


def message(problem):
    """What is wrong, without saying where."""
    table = ROW_MESSAGES if problem.code in ROW_MESSAGES else FIELD_MESSAGES
    return _words(table, problem.code, problem.params)


def describe(problem, column=""):
    """One problem in words, led by where it is: `column` (a CSV header), else its field."""
    text = message(problem)
    name = "" if problem.code in ROW_MESSAGES else column or problem.target
    return f"{name}: {text}" if name else text


def describe_all(problems, columns=None):
    """Every problem of a row in one line; `columns` maps targets to the names the reader knows."""
    columns = columns or {}
    return "; ".join(describe(problem, columns.get(problem.target, "")) for problem in problems)


def describe_file_error(error):
    """A reader.CsvFormatError in the reader's language."""
    return _words(FILE_MESSAGES, error.code, {"line": error.line}) if error.code in FILE_MESSAGES else error.message


def describe_job_error(error):
    """ImportJob.error in the reader's language (a code, or a file problem already in words)."""
    message = JOB_MESSAGES.get(error)
    return str(message) if message is not None else error
