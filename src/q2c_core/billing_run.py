"""Contract billing runs: each period of each maintenance contract billed exactly once."""

from __future__ import annotations

from q2c_core.app_base import BaseApp


class ContractBilling(BaseApp):
    """Commands and queries of the contract billing run."""
