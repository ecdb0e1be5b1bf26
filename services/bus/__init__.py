"""What the services share: messages, task names and queues, the Celery app, the page archive, settings,
text folding. Import each from its module: this package imports nothing, so a service that needs the
messages or the folding does not load Celery or Redis with them."""
