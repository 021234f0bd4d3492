"""Outbound messaging: the outbox, transports, opt-outs, SMS encoding rules."""
