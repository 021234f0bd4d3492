"""The optional LLM for tests: the real openai client against a mocked HTTP transport
(``max_retries=0``), answering every request with one ``record_parse`` tool call."""

from __future__ import annotations

import json

import httpx2
import openai

from bot.nlu.llm import LlmParser

BOOK_FLOW_WEDNESDAY = {
    "intent": "book",
    "class_name": "Vinyasa Flow",
    "instructor": None,
    "when_text": "wednesday 18:00",
    "number": None,
}


def mocked_llm(arguments: dict | None = None) -> LlmParser:
    """An ``LlmParser`` whose model always answers ``arguments`` (default: book Vinyasa Flow Wed 18:00)."""
    call = {"name": "record_parse", "arguments": json.dumps(arguments or BOOK_FLOW_WEDNESDAY)}
    message = {"role": "assistant", "content": None, "tool_calls": [{"id": "t", "type": "function", "function": call}]}
    completion = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
    }
    transport = httpx2.MockTransport(lambda _request: httpx2.Response(200, json=completion))
    client = openai.OpenAI(
        api_key="k", base_url="https://llm.test/v1", max_retries=0, http_client=httpx2.Client(transport=transport)
    )
    return LlmParser(client, model="m")
