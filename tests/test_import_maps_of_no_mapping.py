"""The bank importer's payer map (``accounts``: IBAN to customer) and the time-entry importer's
ticket map (``tickets``: ticket to request) are mappings; a configuration that gives one as a
single IBAN, a number or a list of odd tuples is refused as a q2c error naming the map.

Found by review: ``BankStatementImporter(app, accounts="DE89...")`` failed with a bare
``ValueError: dictionary update sequence element #0 has length 1; 2 is required``, and
``accounts=5`` with ``TypeError: 'int' object is not iterable``.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from q2c_adapters.importers import BankStatementImporter, TimeEntryImporter
from q2c_core import InvalidValue, QuoteToCash


@pytest.mark.parametrize("given", ["DE89370400440532013000", 5, [("DE89",)], {("DE89", "x")}])
@pytest.mark.parametrize(
    ("importer", "field"), [(BankStatementImporter, "accounts"), (TimeEntryImporter, "tickets")]
)
def test_a_map_that_is_no_mapping_is_refused_naming_it(
    app: QuoteToCash, importer: Any, field: str, given: Any
) -> None:
    with pytest.raises(InvalidValue) as refused:
        importer(app, **{field: given})
    assert refused.value.field == field


def test_a_mapping_is_taken(app: QuoteToCash) -> None:
    customer = uuid4()
    bank = BankStatementImporter(app, accounts={"DE89370400440532013000": customer})
    assert bank.accounts == {"DE89370400440532013000": customer}
    assert BankStatementImporter(app).accounts == {}
