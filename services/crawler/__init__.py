"""The crawler: steps 2 (discover a source's article URLs) and 4 (fetch a page politely) of the data flow.

Pure parts: discovery (feeds, sitemaps, listings), bodies; shells: fetcher, robots, politeness, guard;
handlers are plain functions over Deps (built in bootstrap); tasks are the thin Celery consumers.
"""
