"""Accounting adapters: Beancount ledger, UBL 2.1 / PEPPOL BIS 3 e-invoices, CSV/JSON exports."""
