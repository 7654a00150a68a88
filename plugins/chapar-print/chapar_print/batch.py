"""What the post room needs from a print program's folder of letters: one merged print-ready PDF,
sheets of address labels and a mailing manifest (CSV). Everything is in message-id order, so the
merged file, the labels and the manifest line up."""
import csv
import io
from html import escape

from chapar import Contact, Message, render_pdf

from .letters import direction
from .pdf_stream import StreamingPdf
from .store import rendered_letters

# name: (columns, rows, label width, label height, sheet top margin, left margin, column gap), mm on A4.
LABEL_LAYOUTS = {
    "3x7": (3, 7, 70, 42.3, 0.45, 0, 0),  # e.g. Avery 3652, Herma 4453
    "2x7": (2, 7, 99.1, 38.1, 15.15, 4.65, 2.5),  # e.g. Avery L7163
}
FORMULA_START = frozenset("=+-@\t\r")
MANIFEST_LINES = 7  # address columns: name, company, two street lines, city, region, country


def merge_letters(program_id, target, duplex=False, only=None):
    """Write every rendered letter of the program (or those of the message ids in `only`) into
    `target` (a binary file), one after the other; with `duplex`, a letter of an odd number of pages
    gets a blank page after it so the next starts on a new sheet. One letter is in memory at a time
    (pdf_stream.py). Returns (letters, pages)."""
    merged = StreamingPdf(target)
    letters = 0
    for message_id, path in rendered_letters(program_id):
        if only is not None and message_id not in only:
            continue
        count, box = merged.append_file(path)
        if duplex and count % 2:
            merged.add_blank(box)
        letters += 1
    if not letters:
        merged.add_blank([0, 0, 595.28, 841.89])  # a valid, empty PDF
    merged.close()
    return letters, merged.pages if letters else 0


def program_duplex(program):
    """Whether the program's letters are composed for double-sided printing."""
    return any(bool(variant.get("duplex")) for variant in program.variants.values())


def rendered_messages(program_id):
    """Message rows whose letter is rendered, by id."""
    ids = [message_id for message_id, _path in rendered_letters(program_id)]
    for offset in range(0, len(ids), 1000):
        yield from (Message.select().where(Message.program == program_id, Message.id.in_(ids[offset:offset + 1000]))
                    .order_by(Message.id))


def labels_html(addresses, layout="3x7"):
    """A4 sheets of address labels for `addresses` (address blocks, lines joined by newlines)."""
    columns, rows, width, height, top, left, gap = LABEL_LAYOUTS[layout]
    per_sheet = columns * rows
    sheets = []
    for start in range(0, len(addresses), per_sheet):
        labels = []
        for index, address in enumerate(addresses[start:start + per_sheet]):
            row, column = divmod(index, columns)
            labels.append(f'<div class="label" style="left: {left + column * (width + gap):.2f}mm; '
                          f'top: {top + row * height:.2f}mm" dir="{direction({"body": address}, "")}">{escape(address)}</div>')
        sheets.append(f'<section class="sheet">{"".join(labels)}</section>')
    css = (f"@page {{ size: 210mm 297mm; margin: 0; }} body {{ margin: 0; font: 9pt/1.3 Vazirmatn; }}"
           f".sheet {{ position: relative; width: 210mm; height: 297mm; break-after: page; overflow: hidden; }}"
           f".sheet:last-child {{ break-after: auto; }}"
           f".label {{ position: absolute; box-sizing: border-box; width: {width}mm; height: {height}mm; "
           f"padding: 4mm 5mm; white-space: pre-line; overflow: hidden; }}")
    return f'<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head><body>{"".join(sheets)}</body></html>'


def labels_pdf(program_id, target, layout="3x7"):
    """Write label sheets for every rendered letter of the program to `target`; returns the count."""
    if layout not in LABEL_LAYOUTS:
        raise ValueError(f"unknown label layout {layout!r}")
    addresses = [message.address for message in rendered_messages(program_id)]
    render_pdf(labels_html(addresses or [""], layout), target=target)
    return len(addresses)


def neutralise(value):
    """A CSV cell a spreadsheet will not run as a formula: a leading ' makes it text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_START else text


def manifest_rows(program_id):
    """The manifest's header, then one row per rendered letter: message, contact, name, address
    lines, pages, cost."""
    yield (["message_id", "contact_id", "name"] + [f"address_{n}" for n in range(1, MANIFEST_LINES + 1)]
           + ["pages", "cost"])
    for chunk in _chunks(rendered_messages(program_id), 1000):
        contacts = {c.id: c for c in Contact.select().where(Contact.id.in_([m.contact_id for m in chunk if m.contact_id]))}
        for message in chunk:
            lines = message.address.splitlines()[:MANIFEST_LINES]
            lines += [""] * (MANIFEST_LINES - len(lines))
            contact = contacts.get(message.contact_id)
            name = contact.full_name if contact is not None else lines[0]  # the contact was deleted since
            yield [message.id, message.contact_id or "", name] + lines + [message.units, message.cost]


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def manifest_csv(program_id):
    """The manifest as CSV chunks (a BOM first, so spreadsheets read Persian), cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for number, row in enumerate(manifest_rows(program_id), start=1):
        writer.writerow([neutralise(cell) for cell in row])
        if number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
