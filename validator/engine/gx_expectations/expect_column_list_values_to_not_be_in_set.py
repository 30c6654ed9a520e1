"""ExpectColumnListValuesToNotBeInSet: no item of a delimited cell is in a forbidden set."""

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
from validator.engine.predicates import SEP, list_not_in_set

EXPECTATION_SHORT_DESCRIPTION = (
    "Expect no item of each delimited multi-value cell to be in a forbidden set."
)
PATTERN_DESCRIPTION = (
    "Optional regular expression (case-insensitive); items matching it are also forbidden, "
    "e.g. free text naming Hispanic origin in a race field."
)
SUPPORTED_DATA_SOURCES = [SupportedDataSources.PANDAS.value, SupportedDataSources.SPARK.value]
DATA_QUALITY_ISSUES = [DataQualityIssues.VALIDITY.value]


class ColumnListValuesNotInSet(ColumnMapMetricProvider):
    """Row is True when none of its items is forbidden."""

    condition_metric_name = "column_values.list_items_not_in_set"
    condition_value_keys = ("value_set", "delimiter", "pattern")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, value_set: list, delimiter: str = SEP,
                pattern: str | None = None, **kwargs: object) -> pd.Series:
        return list_not_in_set(column, value_set, delimiter, pattern)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Any, value_set: list, delimiter: str = SEP,
               pattern: str | None = None, **kwargs: Any) -> Any:
        return spark_condition(column, list_not_in_set, kwargs, value_set=value_set,
                               delimiter=delimiter, pattern=pattern)


class ExpectColumnListValuesToNotBeInSet(ColumnMapExpectation):
    __doc__ = f"""{EXPECTATION_SHORT_DESCRIPTION}

    Args:
        column (str): The column name.
        value_set (list): Forbidden items (e.g. the CDCREC abstract roots 1000-9 and 2133-7).
        delimiter (str): The delimiter between items of one cell.
        pattern (str or None): {PATTERN_DESCRIPTION}

    Supported Data Sources:
        {SUPPORTED_DATA_SOURCES[0]}

    Data Quality Issues:
        {DATA_QUALITY_ISSUES[0]}

    Code Examples:
        Passing Case:
            ExpectColumnListValuesToNotBeInSet(column="race", value_set=["1000-9"])
            on ["2106-3", "2054-5|2106-3"] -> success

        Failing Case:
            ExpectColumnListValuesToNotBeInSet(column="race", value_set=["2135-2"])
            on ["2106-3|2135-2", "2106-3"] -> failure, unexpected_count 1
    """

    value_set: ValueSetField
    delimiter: str = SEP
    pattern: str | None = None

    library_metadata: ClassVar[dict] = {
        "maturity": "production",
        "tags": ["real-validator", "multi-value"],
        "contributors": ["real-validator"],
    }
    map_metric = "column_values.list_items_not_in_set"
    success_keys = ("value_set", "delimiter", "pattern", "mostly")
    args_keys = ("column", "value_set")
