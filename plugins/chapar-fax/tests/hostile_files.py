"""Hostile files as an attacker would post them to a fax line's "received" callback, built byte by
byte so a test never holds in memory what the file claims to be."""
import struct


def blank_g4_tiff(sizes, dpi=204):
    """A multi-page G4 TIFF whose pages are blank and of the given (width, height) sizes.

    A blank G4 row repeats the (blank) row above it: one bit ("1", vertical mode 0) per row, so a
    page of 12000 x 12000 pixels takes 1.5 kB while decoding it takes 144 MB."""
    out = bytearray(b"II*\0" + struct.pack("<I", 0))
    previous_next = 4  # where the offset of the next IFD goes
    for width, height in sizes:
        strip = b"\xff" * ((height + 7) // 8)
        strip_at = len(out)
        out += strip
        resolution_at = len(out)
        out += struct.pack("<II", dpi, 1)
        entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 1), (259, 3, 1, 4), (262, 3, 1, 0),
                   (273, 4, 1, strip_at), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, len(strip)),
                   (282, 5, 1, resolution_at), (283, 5, 1, resolution_at), (296, 3, 1, 2)]
        if len(out) % 2:
            out += b"\0"
        ifd_at = len(out)
        struct.pack_into("<I", out, previous_next, ifd_at)
        out += struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            packed = struct.pack("<H", value) + b"\0\0" if kind == 3 else struct.pack("<I", value)
            out += struct.pack("<HHI", tag, kind, count) + packed
        previous_next = len(out)
        out += struct.pack("<I", 0)
    return bytes(out)
