"""q2c adapters: everything that touches the outside world (storage helpers, accounting, imports,
documents, the command line). q2c_core never imports this package."""
