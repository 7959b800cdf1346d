"""q2c adapters: everything that touches the outside world (accounting and delivery to a
ledger, imports, documents, reports, the command line; storage is q2c_core's). q2c_core never
imports this package."""
