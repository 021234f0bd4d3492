"""Transports a real RQ worker subprocess loads by name (FRONTDESK_TRANSPORT) in tests."""

import os
import time


class HangingTransport:
    """Records that a send began, then hangs as if the network stalled: the test kills it."""

    def send(self, message, status_callback=None):
        with open(os.environ["FRONTDESK_TEST_SENDS"], "a") as f:
            f.write(f"{message.id}\n")
        time.sleep(60)
        return "SMnever"


class CountingTransport:
    def send(self, message, status_callback=None):
        with open(os.environ["FRONTDESK_TEST_SENDS"], "a") as f:
            f.write(f"{message.id}\n")
        return f"SMcount{message.id}"
