"""Store, records: the public shapes of the stored records and how rows become them, shared by the API,
the exports and the change feed (which writes each change in the shape the API reads it in)."""
