"""The notify side: domain events into texts (outbox rows), with the addressing and the
views texts are written from. Imports the core and messaging; the core never imports it.
Handlers are subscribed in ``app.bootstrap``."""
