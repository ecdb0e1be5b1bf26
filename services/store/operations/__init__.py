"""Store, operators' actions: manual corrections, re-parsing, dead letters, and the relay that pushes
the change feed to its consumers."""
