"""Inbound messages end to end: find the studio, lock the conversation, run the bot."""
