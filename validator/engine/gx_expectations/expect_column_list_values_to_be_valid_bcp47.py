"""ExpectColumnListValuesToBeValidBcp47: every item is a valid BCP 47 (RFC 5646) language tag."""

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

from validator.engine.gx_expectations._spark import condition as spark_condition
from validator.engine.predicates import SEP, list_valid_bcp47

EXPECTATION_SHORT_DESCRIPTION = (
    "Expect every item to be a valid BCP 47 language tag: well formed (RFC 5646) and every "
    "subtag registered in the IANA Language Subtag Registry."
)
SUPPORTED_DATA_SOURCES = [SupportedDataSources.PANDAS.value, SupportedDataSources.SPARK.value]
DATA_QUALITY_ISSUES = [DataQualityIssues.VALIDITY.value]


class ColumnListValuesValidBcp47(ColumnMapMetricProvider):
    """Row is True when every item parses as a language tag whose subtags are registered."""

    condition_metric_name = "column_values.list_items_valid_bcp47"
    condition_value_keys = ("delimiter",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, delimiter: str = SEP, **kwargs: object) -> pd.Series:
        return list_valid_bcp47(column, delimiter)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Any, delimiter: str = SEP, **kwargs: Any) -> Any:
        return spark_condition(column, list_valid_bcp47, kwargs, delimiter=delimiter)


class ExpectColumnListValuesToBeValidBcp47(ColumnMapExpectation):
    __doc__ = f"""{EXPECTATION_SHORT_DESCRIPTION}

    Runs on normalized language fields, whose valid values the normalizer has already
    rewritten to their canonical spelling (``es_MX`` -> ``es-MX``, ``spa`` -> ``es``); what is
    left unexpected are values no rewrite can repair: MIMIC truncations (``ENGL``), language
    names (``English``) and unregistered subtags (``xx-YY``). Parsing and registry look-ups
    use langcodes; each distinct cell value is evaluated once.

    Args:
        column (str): The column name.
        delimiter (str): The delimiter between items of one cell.

    Supported Data Sources:
        {SUPPORTED_DATA_SOURCES[0]}

    Data Quality Issues:
        {DATA_QUALITY_ISSUES[0]}

    Code Examples:
        Passing Case:
            ExpectColumnListValuesToBeValidBcp47(column="lang") on ["en", "es-MX|ase"]
            -> success

        Failing Case:
            ExpectColumnListValuesToBeValidBcp47(column="lang")
            on ["ENGL", "English", "xx-YY", "en"] -> failure, unexpected_count 3
    """

    delimiter: str = SEP

    library_metadata: ClassVar[dict] = {
        "maturity": "production",
        "tags": ["real-validator", "bcp47", "language"],
        "contributors": ["real-validator"],
    }
    map_metric = "column_values.list_items_valid_bcp47"
    success_keys = ("delimiter", "mostly")
    args_keys = ("column",)
