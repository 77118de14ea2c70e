"""Streaming XML with clear failures: the line and column of what does not parse."""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO

from .records import ImportFailed


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2]


def namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def text(element: ET.Element | None) -> str | None:
    return element.text if element is not None else None


def elements(stream: IO[bytes], what: str) -> Iterator[tuple[str, ET.Element]]:
    """iterparse's (event, element) pairs; a file that is not well-formed XML raises
    ImportFailed naming the line and column, in the words of `what` the file should be."""
    try:
        yield from ET.iterparse(stream, events=("start", "end"))
    except ET.ParseError as error:
        line, column = error.position
        raise ImportFailed(f"This is not a readable {what} file: the XML is not well-formed at "
                           f"line {line}, column {column + 1} ({error.msg.split(':')[0]}). "
                           "Nothing was imported.", line, column + 1, key="import.malformed") from None
