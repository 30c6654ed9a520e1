"""ExpectColumnListValuesToBeInSet: every item of a delimited multi-value cell is in a set."""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine, SparkDFExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metadata_types import DataQualityIssues, SupportedDataSources
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from great_expectations.expectations.model_field_types import ValueSetField

from validator.engine.gx_expectations._spark import condition as spark_condition
from validator.engine.predicates import SEP, list_in_set

EXPECTATION_SHORT_DESCRIPTION = (
    "Expect every item of each delimited multi-value cell to be in a given set."
)
DELIMITER_DESCRIPTION = "The delimiter between items of one cell (the normalizer writes '|')."
SUPPORTED_DATA_SOURCES = [SupportedDataSources.PANDAS.value, SupportedDataSources.SPARK.value]
DATA_QUALITY_ISSUES = [DataQualityIssues.VALIDITY.value]


class ColumnListValuesInSet(ColumnMapMetricProvider):
    """Row is True when all its items are members of ``value_set``."""

    condition_metric_name = "column_values.list_items_in_set"
    condition_value_keys = ("value_set", "delimiter")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, value_set: list, delimiter: str = SEP,
                **kwargs: object) -> pd.Series:
        return list_in_set(column, value_set, delimiter)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Any, value_set: list, delimiter: str = SEP, **kwargs: Any) -> Any:
        return spark_condition(column, list_in_set, kwargs, value_set=value_set,
                               delimiter=delimiter)


class ExpectColumnListValuesToBeInSet(ColumnMapExpectation):
    __doc__ = f"""{EXPECTATION_SHORT_DESCRIPTION}

    A row holding ``"2106-3|2054-5"`` passes when both codes are in ``value_set``; one unknown
    item makes the whole row unexpected, so counts are of rows (records), not of items.
    Each distinct cell value is evaluated once.

    Args:
        column (str): The column name.
        value_set (list): Allowed items, usually injected as ``{{"$PARAMETER": "cdcrec_race"}}``.
        delimiter (str): {DELIMITER_DESCRIPTION}

    Supported Data Sources:
        {SUPPORTED_DATA_SOURCES[0]}

    Data Quality Issues:
        {DATA_QUALITY_ISSUES[0]}

    Code Examples:
        Passing Case:
            ExpectColumnListValuesToBeInSet(column="race", value_set=["2106-3", "2054-5"])
            on ["2106-3", "2054-5|2106-3", None] -> success, unexpected_count 0

        Failing Case:
            ExpectColumnListValuesToBeInSet(column="race", value_set=["2106-3"])
            on ["2106-3|9999-9", "2106-3"] -> failure, unexpected_count 1
    """

    value_set: ValueSetField
    delimiter: str = SEP

    library_metadata: ClassVar[dict] = {
        "maturity": "production",
        "tags": ["real-validator", "multi-value"],
        "contributors": ["real-validator"],
    }
    map_metric = "column_values.list_items_in_set"
    success_keys = ("value_set", "delimiter", "mostly")
    args_keys = ("column", "value_set")
