"""Columns read batch by batch and kept compact: the text of a file is never held whole.

Each column of each record batch is dictionary-encoded as it arrives (one small integer per
row) and the batches' dictionaries are unified at the end, so a 10-million-row column of 40
codes costs 10 million integers and 40 strings, whatever the file's size. The result is exact
by construction: the merged column is the same sequence of values, its categories in order of
first appearance (the order ``pandas.factorize`` gives the whole column). Near-unique columns
(identifiers) are recognised from their first :data:`SAMPLE_ROWS` rows and kept as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SAMPLE_DISTINCT", "SAMPLE_ROWS", "compact", "to_frame", "worth_encoding"]

SAMPLE_ROWS = 10_000  # rows looked at before deciding whether a column is worth encoding
SAMPLE_DISTINCT = 1_000  # ... and at most this many distinct values among them
TEXT = pa.large_string()
ENCODED = pa.dictionary(pa.int32(), TEXT)


def worth_encoding(distinct: int, rows: int) -> bool:
    """Keep a column dictionary-encoded when it has few distinct values for its length."""
    return distinct <= max(SAMPLE_DISTINCT, rows // 10)


class _Column:
    """One column's batches: plain text until the sample decides, then encoded."""

    def __init__(self) -> None:
        self.chunks: list[pa.Array] = []
        self.rows = 0
        self.encode: bool | None = None  # None: not decided yet (fewer than SAMPLE_ROWS rows)

    def add(self, values: pa.Array) -> None:
        self.chunks.append(pc.dictionary_encode(values) if self.encode else values)
        self.rows += len(values)
        if self.encode is None and self.rows >= SAMPLE_ROWS:
            self._decide()

    def _decide(self) -> None:
        head = pa.chunked_array(self.chunks, type=TEXT).slice(0, SAMPLE_ROWS)
        self.encode = pc.count_distinct(head).as_py() <= SAMPLE_DISTINCT
        if self.encode:
            self.chunks = [pc.dictionary_encode(c) for c in self.chunks]

    def finish(self) -> pa.ChunkedArray:
        if self.encode is None:
            self._decide()
        if not self.encode:  # one chunk: pandas' string methods are slower over many
            return pa.chunked_array([pa.concat_arrays(self.chunks) if self.chunks
                                     else pa.array([], TEXT)])
        merged = pa.chunked_array(self.chunks, type=ENCODED).unify_dictionaries()
        dictionary = merged.chunk(0).dictionary if merged.num_chunks else pa.array([], TEXT)
        if not worth_encoding(len(dictionary), self.rows):
            return pa.chunked_array([pa.concat_arrays([c.cast(TEXT) for c in merged.chunks])])
        indices = pa.concat_arrays([c.indices for c in merged.chunks]) if merged.num_chunks \
            else pa.array([], pa.int32())
        return pa.chunked_array([pa.DictionaryArray.from_arrays(indices, dictionary)])


def compact(batches: Iterable[pa.RecordBatch], names: Sequence[str]) -> pa.Table:
    """The columns ``names`` of ``batches`` (large_string each) as one table whose columns are
    either ``dictionary<int32, large_string>`` (one chunk, one shared dictionary) or
    large_string. Batches are consumed one at a time and not kept."""
    columns = {name: _Column() for name in names}
    for batch in batches:
        for name, column in columns.items():
            column.add(batch.column(name))
    return pa.table([c.finish() for c in columns.values()], names=list(names))


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A :func:`compact` table as pandas: encoded columns as categoricals (object categories,
    codes -1 for null), text columns as Arrow-backed strings."""
    out: dict[str, pd.Series] = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_dictionary(column.type):
            chunk = column.chunk(0) if column.num_chunks else pa.array([], ENCODED)
            codes = chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            categories = pd.Index(np.asarray(chunk.dictionary.to_pylist(), dtype=object),
                                  dtype=object)
            out[name] = pd.Series(pd.Categorical.from_codes(codes, categories), name=name)
        else:
            out[name] = pd.Series(column.to_pandas(types_mapper=pd.ArrowDtype), name=name)
    return pd.DataFrame(out, index=pd.RangeIndex(table.num_rows))
