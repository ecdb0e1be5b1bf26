"""What the services share: messages, task names and queues, the Celery app, the page archive, settings.

Import from the modules (`services.bus.messages`, `.settings`, `.celery_app`, ...): the package itself
imports nothing, so a process that needs only settings or messages does not load Celery.
"""
