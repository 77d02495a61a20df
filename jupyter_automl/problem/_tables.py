"""Reading a table from a file or uploaded bytes: CSV (comma, semicolon, tab or bar separated,
optionally gzipped), TSV and Parquet. The command line and the wizard's upload both read here."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pandas as pd

from .._optional import import_optional
from ..exceptions import InputError


class TableReadError(InputError):
    """A file could not be read as a table (unknown format, or its content)."""


MSG_NO_FILE = "No file at {path}. Check the path (the working folder is {cwd})."
MSG_TABLE_TYPE = ("Cannot read {name!r}: give a .csv, .tsv, .csv.gz or .parquet file. For other "
                  "formats, read the file with pandas and pass the DataFrame instead.")
MSG_UNREADABLE = "Could not read {name} as a {kind} table: {error}"
PARQUET = (".parquet", ".pq")
TEXT = {".csv": None, ".txt": None, ".tsv": "\t", ".tab": "\t"}  # None: the separator is sniffed
SNIFF_BYTES = 64 * 1024
SEPARATORS = ",;\t|"


def read_table(source: str | Path | bytes, name: str | None = None) -> pd.DataFrame:
    """A table from a file path, or from the bytes of a file called ``name``.

    Raises
    ------
    FileNotFoundError
        ``source`` is a path and there is no file there.
    TableReadError
        The name is not a table format we read, or the content could not be parsed.
    MissingDependencyError
        A Parquet file without pyarrow installed (the message gives the pip line).
    """
    if isinstance(source, (bytes, bytearray)):
        name = name or "the upload"
        raw = io.BytesIO(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(MSG_NO_FILE.format(path=path, cwd=Path.cwd()))
        name = name or str(path)
        raw = path
    suffixes = [s.lower() for s in Path(name).suffixes]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    last = suffixes[-2] if gzipped and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if last in PARQUET and not gzipped:
        import_optional("pyarrow")
        return _parse(lambda: pd.read_parquet(raw), name, "Parquet")
    if last not in TEXT:
        raise TableReadError(MSG_TABLE_TYPE.format(name=name))
    compression = "gzip" if gzipped else None
    sep = TEXT[last] or _sniff(raw, gzipped)
    kind = "tab-separated" if sep == "\t" else "CSV"
    frame = _parse(lambda: pd.read_csv(raw, sep=sep, compression=compression), name, kind)
    if frame.shape[1] == 0:
        raise TableReadError(MSG_UNREADABLE.format(name=name, kind=kind, error="no columns"))
    return frame


def _parse(read, name: str, kind: str) -> pd.DataFrame:
    try:
        return read()
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise TableReadError(MSG_UNREADABLE.format(name=name, kind=kind, error=exc)) from exc


def _sniff(raw: Path | io.BytesIO, gzipped: bool) -> str:
    """The separator of a text table, from its first lines (files written in many locales use
    ";"); "," when unsure. Only the head is read, so large files keep pandas' fast parser."""
    try:
        if isinstance(raw, io.BytesIO):
            head = raw.getvalue()[:SNIFF_BYTES]
            if gzipped:
                head = gzip.GzipFile(fileobj=io.BytesIO(raw.getvalue())).read(SNIFF_BYTES)
        else:
            with (gzip.open(raw, "rb") if gzipped else open(raw, "rb")) as f:
                head = f.read(SNIFF_BYTES)
        text = head.decode("utf-8", errors="replace")
        lines = text.splitlines()[:-1] or text.splitlines()  # the last line may be cut
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=SEPARATORS).delimiter
    except (csv.Error, OSError, EOFError):
        return ","
