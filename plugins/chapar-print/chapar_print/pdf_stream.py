"""A PDF written page by page: the pages of other PDF files are copied into one file as they come,
each source file read, copied and let go before the next, so memory does not grow with the number
of letters (pypdf's PdfWriter keeps every page until it writes).

What stays in memory is one source file's objects at a time, an offset per object written (8 bytes)
and one reference per group of PAGES_PER_NODE pages. Pages are grouped under intermediate /Pages
nodes, so the page tree stays shallow and each node small however long the batch."""
import gc
from array import array

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

PAGES_PER_NODE = 64
# pypdf's readers and their objects refer to each other: freed only by the cycle collector, which
# would otherwise let a few dozen letters' worth pile up before it runs.
COLLECT_EVERY = 16
_ROOT, _CATALOG = 1, 2  # object numbers of the page tree's root and of the document catalog


class StreamingPdf:
    """Pages appended to `target` (a binary file open for writing) as they come; `close()` writes
    the page tree, the catalog and the cross-reference table. Returns nothing; `pages` counts."""

    def __init__(self, target):
        self.target = target
        self.start = target.tell()
        self.offsets = array("Q", [0, 0, 0])  # index = object number; 0 and the two reserved are set later
        self.pages = 0
        self.files = 0
        self.nodes = array("Q")  # the intermediate /Pages nodes written so far
        self._node = None  # the node the next pages go under: (its number, [page numbers])
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def append_file(self, path):
        """Copy every page of the PDF at `path`; returns (its pages, the last page's mediabox)."""
        reader = PdfReader(str(path))
        sources = reader.pages
        # Pages first, so links between pages of the same letter point at the copies.
        mapping = {page.indirect_reference.idnum: self._reserve() for page in sources}
        box = None
        for page in sources:
            number = mapping[page.indirect_reference.idnum]
            box = [float(value) for value in page.mediabox]
            queue = []
            copy = DictionaryObject({key: value for key, value in dict.items(page) if key != "/Parent"})
            self._renumber(copy, mapping, queue)
            self._add_page(number, copy)
            while queue:  # what the page uses: fonts, images, content streams …
                source = queue.pop()
                target = source.get_object()
                self._renumber(target, mapping, queue)
                self._write_object(mapping[source.idnum], target)
        self.files += 1
        if self.files % COLLECT_EVERY == 0:
            gc.collect()
        return len(sources), box

    def add_blank(self, box):
        """A blank page of the mediabox `box` ([x0, y0, x1, y1] points)."""
        page = DictionaryObject({NameObject("/Type"): NameObject("/Page"), NameObject("/Resources"): DictionaryObject(),
                                 NameObject("/MediaBox"): ArrayObject(FloatObject(v) for v in box)})
        self._add_page(self._reserve(), page)

    def close(self):
        """Write the page tree, the catalog and the cross-reference table."""
        self._close_node()
        self._write_object(_ROOT, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"), NameObject("/Count"): _number(self.pages),
            NameObject("/Kids"): ArrayObject(_ref(node) for node in self.nodes)}))
        self._write_object(_CATALOG, DictionaryObject({NameObject("/Type"): NameObject("/Catalog"),
                                                       NameObject("/Pages"): _ref(_ROOT)}))
        xref = self._tell()
        lines = [f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode()]
        lines += [f"{offset:010d} 00000 n \n".encode() for offset in self.offsets[1:]]
        self._write(b"".join(lines))
        self._write(f"trailer\n<< /Size {len(self.offsets)} /Root {_CATALOG} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
                    .encode())

    # --- inside ----------------------------------------------------------------------------------

    def _add_page(self, number, page):
        if self._node is None or len(self._node[1]) == PAGES_PER_NODE:
            self._close_node()
            self._node = (self._reserve(), [])
        page[NameObject("/Parent")] = _ref(self._node[0])
        self._write_object(number, page)
        self._node[1].append(number)
        self.pages += 1

    def _close_node(self):
        if self._node is None:
            return
        number, kids = self._node
        self._write_object(number, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"), NameObject("/Parent"): _ref(_ROOT),
            NameObject("/Count"): _number(len(kids)), NameObject("/Kids"): ArrayObject(_ref(kid) for kid in kids)}))
        self.nodes.append(number)
        self._node = None

    def _renumber(self, obj, mapping, queue):
        """Point the references inside `obj` (changed in place) at their numbers in this file,
        queueing the objects not seen yet. dict/list methods, since pypdf's resolve references."""
        if isinstance(obj, DictionaryObject):
            for key, value in list(dict.items(obj)):
                dict.__setitem__(obj, key, self._renumbered(value, mapping, queue))
        elif isinstance(obj, ArrayObject):
            for index, value in enumerate(list.__iter__(obj)):
                list.__setitem__(obj, index, self._renumbered(value, mapping, queue))

    def _renumbered(self, value, mapping, queue):
        if isinstance(value, IndirectObject):
            if value.idnum not in mapping:
                mapping[value.idnum] = self._reserve()
                queue.append(value)
            return _ref(mapping[value.idnum])
        self._renumber(value, mapping, queue)
        return value

    def _reserve(self):
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _write_object(self, number, obj):
        self.offsets[number] = self._tell()
        self._write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.target)
        self._write(b"\nendobj\n")

    def _tell(self):
        return self.target.tell() - self.start

    def _write(self, data):
        self.target.write(data)


def _ref(number):
    return IndirectObject(number, 0, None)


def _number(value):
    return NumberObject(value)
