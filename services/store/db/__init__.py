"""The store's database: engine and migrations, table models, prebuilt statements, and the unit of work
whose repositories (one per aggregate) hold all of the store's SQL."""
