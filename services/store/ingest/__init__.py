"""Store, ingest (step 6 of the data flow): one parsed article in, article dedup, then agreement
resolution and refresh. The rules (dedup, resolution, merging, the signing summary) are pure."""
