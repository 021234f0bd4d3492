"""The optional LLM fallback, against a mocked OpenAI HTTP layer (httpx2 MockTransport)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx2
import openai
import pytest

from bot.nlu.catalog import Catalog, ClassEntry, NamedEntry
from bot.nlu.llm import LlmParser
from bot.nlu.parse import ParseContext, parse

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CATALOG = Catalog(
    [ClassEntry(1, "Vinyasa Flow", "Yoga", ("flow",)), ClassEntry(2, "Reformer Pilates", "Pilates", ("reformer",))],
    [NamedEntry(1, "Maya Patel")],
    [NamedEntry(1, "Shoreditch")],
)
CTX = ParseContext(NOW, "Europe/London", "DMY", CATALOG)


def completion(arguments: dict | str) -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "call_1", "type": "function", "function": {"name": "record_parse", "arguments": args}}
                    ],
                },
            }
        ],
    }


def parser(handler) -> tuple[LlmParser, list]:
    seen: list = []

    def transport(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return handler(request)

    client = openai.OpenAI(
        api_key="test",
        base_url="https://llm.test/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(transport)),
    )
    return LlmParser(client, model="test-model"), seen


def test_model_answer_is_validated_into_a_parse():
    llm, seen = parser(
        lambda r: httpx2.Response(
            200,
            json=completion(
                {
                    "intent": "book",
                    "class_name": "flow",
                    "instructor": None,
                    "when_text": "wednesday 18:00",
                    "number": None,
                }
            ),
        )
    )
    rules = parse("could u sort me out with the bendy one midweek after work", CTX)
    better = llm.parse("could u sort me out with the bendy one midweek after work", CTX, rules)
    assert better.intent == "book" and better.class_match.label == "Vinyasa Flow"
    assert better.when.start.isoformat() == "2026-11-25T18:00:00+00:00"
    assert seen[0]["model"] == "test-model" and seen[0]["tool_choice"]["function"]["name"] == "record_parse"


@pytest.mark.parametrize(
    "arguments",
    [
        {"intent": "dance", "class_name": None, "instructor": None, "when_text": None, "number": None},
        {
            "intent": "book",
            "class_name": "Underwater Basket Weaving",
            "instructor": None,
            "when_text": None,
            "number": None,
        },
        {"intent": "book", "class_name": None, "instructor": None, "when_text": "the twelfth of never", "number": None},
        {"intent": "pick", "class_name": None, "instructor": None, "when_text": None, "number": 500},
        "not json at all",
    ],
)
def test_invalid_model_answers_are_dropped(arguments):
    llm, _ = parser(lambda r: httpx2.Response(200, json=completion(arguments)))
    rules = parse("blah", CTX)
    assert llm.parse("blah", CTX, rules) is None


def test_http_errors_fall_back_to_the_rules():
    llm, _ = parser(lambda r: httpx2.Response(500, json={"error": {"message": "boom"}}))
    assert llm.parse("blah", CTX, parse("blah", CTX)) is None


def test_off_when_not_configured(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert LlmParser.from_env() is None
