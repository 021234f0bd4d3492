"""Frontdesk: a studio's front desk by text message.

The package root builds nothing and imports nothing, so any module can import
``app.<module>`` without pulling in the whole application. The Flask application is
made by ``app.factory.create_app``.
"""
