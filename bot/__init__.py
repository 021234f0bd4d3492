"""The conversation engine: understanding (nlu), the dialogue state machine, the words.

Nothing here imports Flask or touches the database: dialogue handlers act through the
``Desk`` port (``bot.desk``), which the application implements over the booking core.
"""
