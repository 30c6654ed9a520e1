"""ExpectColumnListValuesToBeValidCdcrecCodes: CDCREC code format and mod-10 check digit."""

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
from validator.engine.predicates import SEP, list_valid_cdcrec

EXPECTATION_SHORT_DESCRIPTION = (
    "Expect every item to be a well-formed CDC Race & Ethnicity code: NNNN-C, numeric part "
    "1000-2500, C the LOINC-style mod-10 check digit."
)
SUPPORTED_DATA_SOURCES = [SupportedDataSources.PANDAS.value, SupportedDataSources.SPARK.value]
DATA_QUALITY_ISSUES = [DataQualityIssues.VALIDITY.value]


class ColumnListValuesValidCdcrec(ColumnMapMetricProvider):
    """Row is True when every item passes the CDCREC format and check digit."""

    condition_metric_name = "column_values.list_items_valid_cdcrec"
    condition_value_keys = ("delimiter",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, delimiter: str = SEP, **kwargs: object) -> pd.Series:
        return list_valid_cdcrec(column, delimiter)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Any, delimiter: str = SEP, **kwargs: Any) -> Any:
        return spark_condition(column, list_valid_cdcrec, kwargs, delimiter=delimiter)


class ExpectColumnListValuesToBeValidCdcrecCodes(ColumnMapExpectation):
    __doc__ = f"""{EXPECTATION_SHORT_DESCRIPTION}

    Catches typing errors (``2106-4``), truncated codes and text in a coded field before any
    value-set look-up. All 966 CDCREC v1.2 codes satisfy the check digit.

    Args:
        column (str): The column name.
        delimiter (str): The delimiter between items of one cell.

    Supported Data Sources:
        {SUPPORTED_DATA_SOURCES[0]}

    Data Quality Issues:
        {DATA_QUALITY_ISSUES[0]}

    Code Examples:
        Passing Case:
            ExpectColumnListValuesToBeValidCdcrecCodes(column="race") on ["2106-3"] -> success

        Failing Case:
            ExpectColumnListValuesToBeValidCdcrecCodes(column="race")
            on ["2106-4", "WHITE"] -> failure, unexpected_count 2
    """

    delimiter: str = SEP

    library_metadata: ClassVar[dict] = {
        "maturity": "production",
        "tags": ["real-validator", "cdcrec"],
        "contributors": ["real-validator"],
    }
    map_metric = "column_values.list_items_valid_cdcrec"
    success_keys = ("delimiter", "mostly")
    args_keys = ("column",)
