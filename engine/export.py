"""Downloads: a DataFrame as CSV bytes that a spreadsheet opens without running formulas."""
from __future__ import annotations

import numpy as np
import pandas as pd

# A text cell starting with one of these is read as a formula by Excel / LibreOffice / Sheets;
# prefixing a single quote makes it plain text (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _neutralised(value):
    """The value with a leading "'" when it is text that starts like a formula; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _is_text(dtype) -> bool:
    return dtype == np.dtype(object) or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV without the index; text cells and headers are neutralised against formula
    injection (OWASP), numeric columns are written as numbers (a negative number stays one).
    Rows end in CRLF (RFC 4180), so a field holding a CR or LF is quoted and stays one field."""
    out = frame.copy()
    for i, dtype in enumerate(out.dtypes):
        if _is_text(dtype):
            column = out.iloc[:, i]
            if isinstance(dtype, pd.CategoricalDtype):
                column = column.astype(object)
            out.isetitem(i, column.map(_neutralised))
    out.columns = [_neutralised(c) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
