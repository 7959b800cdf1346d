"""Importers: files from outside systems (PSA time entries, CRM contracts, bank statements).

Each reads its file into typed rows with their line numbers and hands them to the application's
import command, which records them all or none, and never the same file twice.
"""

from q2c_adapters.importers.bank import BankStatementImporter, read_bank_csv, read_camt053
from q2c_adapters.importers.contracts import ContractImporter, read_contracts_csv
from q2c_adapters.importers.time_entries import TimeEntryImporter, read_time_entries_csv

__all__ = [
    "BankStatementImporter",
    "ContractImporter",
    "TimeEntryImporter",
    "read_bank_csv",
    "read_camt053",
    "read_contracts_csv",
    "read_time_entries_csv",
]
