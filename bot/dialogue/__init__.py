"""The dialogue: explicit states, one module per flow, ``respond`` as the only entry."""

from bot.dialogue.machine import State, Turn, respond

__all__ = ["State", "Turn", "respond"]
