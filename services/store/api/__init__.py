"""Store, API (step 7): the HTTP app, its dependencies and tokens, the public models and how stored rows
are presented as them, and the export that writes the same records as files."""
