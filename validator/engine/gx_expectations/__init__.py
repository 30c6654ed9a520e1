"""Custom GX expectations, one per file (GX core anatomy). Importing this package registers them
with GX; only :mod:`validator.engine.gx_adapter` imports it."""

from validator.engine.gx_expectations.expect_column_list_values_to_be_in_set import (
    ExpectColumnListValuesToBeInSet,
)
from validator.engine.gx_expectations.expect_column_list_values_to_be_valid_bcp47 import (
    ExpectColumnListValuesToBeValidBcp47,
)
from validator.engine.gx_expectations.expect_column_list_values_to_be_valid_cdcrec_codes import (
    ExpectColumnListValuesToBeValidCdcrecCodes,
)
from validator.engine.gx_expectations.expect_column_list_values_to_not_be_in_set import (
    ExpectColumnListValuesToNotBeInSet,
)

__all__ = [
    "ExpectColumnListValuesToBeInSet",
    "ExpectColumnListValuesToBeValidBcp47",
    "ExpectColumnListValuesToBeValidCdcrecCodes",
    "ExpectColumnListValuesToNotBeInSet",
]
