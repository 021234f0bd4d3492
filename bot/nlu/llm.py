"""Optional LLM fallback for messages the rules cannot read with confidence.

Off unless ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` is set. The model is asked, through
function calling, for the same structure the rules produce; what it returns is checked
against the studio's catalog and our own time parser, and anything invalid is dropped
(the caller then asks the client instead). Never required, never trusted blindly.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace

import openai

from bot.nlu.intent import INTENTS
from bot.nlu.normalise import normalise, tokens
from bot.nlu.parse import LOW_CONFIDENCE, Parse, ParseContext
from bot.nlu.when import parse_when

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
TIMEOUT_SECONDS = 8.0

SCHEMA = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": [i for i in INTENTS if i not in ("opt_out", "opt_in")]},
        "class_name": {"type": ["string", "null"], "description": "one of the studio's class names, or null"},
        "instructor": {"type": ["string", "null"]},
        "when_text": {
            "type": ["string", "null"],
            "description": "the time the client means, rewritten plainly, e.g. 'wednesday 18:00', "
            "'tomorrow morning', 'friday'; null when none",
        },
        "number": {"type": ["integer", "null"], "description": "a numbered option the client picked"},
    },
    "required": ["intent", "class_name", "instructor", "when_text", "number"],
    "additionalProperties": False,
}


class LlmParser:
    def __init__(self, client: openai.OpenAI, model: str = MODEL) -> None:
        self.client = client
        self.model = model

    @classmethod
    def from_env(cls, http_client=None) -> LlmParser | None:
        key, base = os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL")
        if not (key or base):
            return None
        client = openai.OpenAI(
            api_key=key or "not-needed",
            base_url=base or None,
            timeout=TIMEOUT_SECONDS,
            max_retries=0,
            http_client=http_client,
        )
        return cls(client)

    def parse(self, raw: str, ctx: ParseContext, rules: Parse) -> Parse | None:
        """A better parse than ``rules``, or None when the model fails or answers nonsense."""
        catalog = ctx.catalog
        classes = sorted({c.name for c in catalog.classes}) if catalog else []
        system = (
            "You read text messages sent to a fitness studio's booking line and extract what the client wants. "
            f"Now is {ctx.now.isoformat()} in {ctx.tz}. Dates are written {ctx.date_order}. "
            f"The studio's classes: {', '.join(classes) or 'unknown'}. Call record_parse exactly once."
        )
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": raw[:500]}],
                tools=[{"type": "function", "function": {"name": "record_parse", "parameters": SCHEMA}}],
                tool_choice={"type": "function", "function": {"name": "record_parse"}},
            )
            call = (response.choices[0].message.tool_calls or [])[0]
            if call.type != "function":  # a custom tool call has no function arguments
                return None
            data = json.loads(call.function.arguments)
        except (openai.OpenAIError, IndexError, AttributeError, TypeError, json.JSONDecodeError):
            return None
        return validate(data, ctx, rules)


def validate(data: dict, ctx: ParseContext, rules: Parse) -> Parse | None:
    intent = data.get("intent")
    if intent not in INTENTS or intent in ("opt_out", "opt_in"):
        return None
    result = replace(rules, intent=intent, confidence=max(rules.confidence, LOW_CONFIDENCE + 0.1))
    catalog = ctx.catalog
    if data.get("class_name") and catalog is not None:
        match = catalog.match_class(tokens(normalise(str(data["class_name"]))))
        if match is None:
            return None
        result = replace(result, class_match=match)
    if data.get("instructor") and catalog is not None and catalog.instructors:
        result = replace(result, instructor=catalog.match_instructor(tokens(normalise(str(data["instructor"])))))
    if data.get("when_text"):
        when = parse_when(normalise(str(data["when_text"])), ctx.now, ctx.tz, ctx.date_order)
        if when is None:
            return None
        result = replace(result, when=when)
    number = data.get("number")
    if number is not None:
        if not isinstance(number, int) or not 0 < number < 100:
            return None
        result = replace(result, number=number)
    return result
