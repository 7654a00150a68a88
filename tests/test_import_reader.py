"""Reading CSV files: encodings, delimiters, and broken files and rows that must not stop the rest."""
import codecs

import pytest

from chapar.contacts.importer.reader import (MAX_LINE_CHARS, CsvFormatError, CsvSource, detect_delimiter,
                                             detect_encoding, inspect_file)

HEADER = ["نام", "نام خانوادگی", "ایمیل", "موبایل"]
ROWS = [["علی", "رضایی", "ali@example.com", "۰۹۱۲۱۲۳۴۵۶۷"], ["مریم", "احمدی", "maryam@example.com", "09121234568"]]


def write(tmp_path, text, encoding="utf-8", name="contacts.csv", bom=b""):
    path = tmp_path / name
    path.write_bytes(bom + text.encode(encoding))
    return path


def table(delimiter=",", rows=ROWS, header=HEADER):
    return "\r\n".join(delimiter.join(cells) for cells in [header, *rows]) + "\r\n"


def read_all(path):
    fmt = inspect_file(path)
    with CsvSource(path, fmt.encoding, fmt.delimiter) as source:
        return fmt, source.header, list(source.rows())


@pytest.mark.parametrize("encoding, bom, expected", [
    ("utf-8", b"", "utf-8-sig"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("cp1256", b"", "cp1256"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
])
def test_each_encoding_is_detected_and_reads_persian_unchanged(tmp_path, encoding, bom, expected):
    text = table()
    if encoding == "cp1256":  # as Windows saves it: no Persian ye or digits in that code page
        text = text.replace("ی", "ي").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    fmt, header, rows = read_all(write(tmp_path, text, encoding, bom=bom))
    assert fmt.encoding == expected
    assert header == HEADER
    expected_rows = ROWS if encoding != "cp1256" else [[ROWS[0][0], ROWS[0][1], ROWS[0][2], "09121234567"], ROWS[1]]
    assert [row.cells for row in rows] == expected_rows
    assert fmt.sample_rows == expected_rows


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(tmp_path, delimiter):
    path = write(tmp_path, table(delimiter))
    fmt, header, rows = read_all(path)
    assert fmt.delimiter == delimiter
    assert header == HEADER and rows[1].cells == ROWS[1]


def test_delimiter_falls_back_to_the_header_when_sniffing_fails():
    assert detect_delimiter("a;b;c\n1;2,5;3\n") == ";"
    assert detect_delimiter("email\nx@example.com\n") == ","  # one column
    assert detect_delimiter('"a, b"|c\n"1, 2"|3\n') == "|"


def test_a_file_in_neither_utf8_nor_persian_1256_names_the_line(tmp_path):
    text = "name,email\nAli,ali@example.com\nJosé,jose@example.com\n"
    path = write(tmp_path, text, "latin-1")
    with pytest.raises(CsvFormatError) as caught:
        detect_encoding(path)
    assert caught.value.code == "bad_encoding" and caught.value.line == 3
    assert "Line 3" in caught.value.message and "e9" in caught.value.message


def test_broken_utf8_late_in_a_persian_file_is_read_as_windows_1256(tmp_path):
    ascii_start = "email,name\n" + "".join(f"u{n}@example.com,x\n" for n in range(5000))
    path = tmp_path / "late.csv"
    path.write_bytes(ascii_start.encode() + "z@example.com,علي رضايي\n".encode("cp1256"))
    assert detect_encoding(path) == "cp1256"


@pytest.mark.parametrize("content, code", [(b"", "empty_file"), (b"\xef\xbb\xbf\r\n  \n", "empty_file"),
                                           ("نام,ایمیل\n".encode(), "no_rows"), (b"name,email\n,\n\n", "no_rows")])
def test_empty_and_header_only_files_are_refused_with_a_reason(tmp_path, content, code):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CsvFormatError) as caught:
        inspect_file(path)
    assert caught.value.code == code


def test_broken_rows_carry_a_problem_and_the_good_rows_go_on(tmp_path):
    text = ("name,email,mobile\n"
            "Ali,ali@example.com,0912\n"
            "too,few\n"
            "too,many,cells,here\n"
            "trailing,empties@example.com,1,,\n"  # Excel's empty extra cells are fine
            ",,\n"
            '"multi\nline",m@example.com,2\n'
            "last,last@example.com,3\n")
    _fmt, _header, rows = read_all(write(tmp_path, text))
    by_line = {row.line: row for row in rows}
    assert by_line[3].problem == "wrong_cell_count" and by_line[3].detail == {"found": 2, "expected": 3}
    assert by_line[4].problem == "wrong_cell_count" and by_line[4].detail["found"] == 4
    assert by_line[5].cells == ["trailing", "empties@example.com", "1"] and not by_line[5].problem
    assert by_line[6].is_blank
    assert by_line[7].cells[0] == "multi\nline"
    assert by_line[9].cells == ["last", "last@example.com", "3"]  # the multi-line record took lines 7-8


def test_a_10_mb_single_line_is_skipped_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("name,email\nAli,ali@example.com\n")
        handle.write("x" * (10 * 1024 * 1024) + ",big@example.com\n")
        handle.write("Sara,sara@example.com\n")
    _fmt, _header, rows = read_all(path)
    assert [(row.line, row.problem) for row in rows] == [(2, ""), (3, "line_too_long"), (4, "")]
    assert rows[1].detail == {"limit": MAX_LINE_CHARS} and rows[2].cells == ["Sara", "sara@example.com"]


def test_a_quote_never_closed_costs_the_rows_it_swallows_not_the_file(tmp_path):
    swallowed = "".join(f"Row {n},r{n}@example.com\n" for n in range(60_000))  # over the limit together
    text = f'name,email\nAli,ali@example.com\n"Stray quote,s@example.com\n{swallowed}'
    _fmt, _header, rows = read_all(write(tmp_path, text))
    assert rows[0].cells == ["Ali", "ali@example.com"]
    assert rows[1].problem == "value_too_long" and rows[1].line == 3
    assert rows[1].detail["limit"] == MAX_LINE_CHARS


def test_bytes_read_grows_to_the_file_size(tmp_path):
    path = write(tmp_path, table(rows=ROWS * 2000))
    with CsvSource(path, "utf-8-sig", ",") as source:
        seen = [source.bytes_read for _row in source.rows()]
    assert seen[0] < seen[-1] == path.stat().st_size
