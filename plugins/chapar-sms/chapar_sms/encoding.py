"""GSM 03.38 or UCS-2, and how many segments (to be written)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Counted:
    characters: int
    encoding: str
    segments: int
    forced_by: tuple = ()


def count(text):
    return Counted(len(text), "ucs2", max(1, -(-len(text) // 67)) if len(text) > 70 else 1)
