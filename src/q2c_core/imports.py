"""Imports from outside systems (time entries, contracts, bank statements): idempotent commands."""

from __future__ import annotations

from q2c_core.app_base import BaseApp


class ImportCommands(BaseApp):
    """Commands that record what importers bring in, all-or-nothing and never twice."""
