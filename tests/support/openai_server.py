"""An OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

It answers from the JSON schema each request carries (response_format json_schema, or in JSON
mode the schema between <schema> tags in the instructions), like a model that always follows the
schema. Asked about a paper (a <paper> block), its texts quote the paper's abstract, as a model
that invents nothing; otherwise (the brief) they are the fixed ENGLISH and CHINESE below.
Tests make it misbehave: `script` fails the next requests in order, `rules` fail every
request whose prompt contains a given text, `reject_json_schema` answers 400 to json_schema.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from generator.localserver import LocalServer
from generator.summarize import estimate_tokens

# Realistic lengths: what a model writes within the prompt's word limits.
ENGLISH = "The method reaches 91.2% Dice on ISIC 2018, 4.1 points above the MedSAM baseline [1]."
CHINESE = "该方法在 ISIC 2018 数据集上取得 91.2% 的 Dice 系数，比 MedSAM 基线高 4.1 个百分点 [1]。"

# Misbehaviours, by name: "429" (with Retry-After: 1), "500", "401-echo-key" (the body repeats
# the key, as careless servers do), "invalid-json", "schema-violation" (a required field missing),
# "english-for-chinese" (the zh text written in English), "truncated" (finish_reason "length"),
# "hostile" (markup, script and javascript: links before every text),
# "ungrounded" (a paper's texts are ENGLISH and CHINESE, whose numbers and names few abstracts state).
Behaviour = str
HOSTILE = '<script>alert(3)</script><img src=x onerror=alert(4)> [x](javascript:alert(5)) ]]> '


@dataclass
class Recorded:
    """One request as the server received it."""

    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    reply: str = ""  # the completion's content, when the server gave one
    prompt_tokens: int = 0  # as the server's usage accounts them

    @property
    def prompt(self) -> str:
        return "\n".join(m["content"] for m in self.body.get("messages", []))

    @property
    def response_format(self) -> str:
        return self.body.get("response_format", {}).get("type", "")


@dataclass
class OpenAIServer(LocalServer):
    latency: float = 0.0  # seconds before each answer
    reject_json_schema: bool = False
    script: list[Behaviour] = field(default_factory=list)  # for the next requests, in order
    rules: dict[str, Behaviour] = field(default_factory=dict)  # prompt text -> behaviour
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        LocalServer.__init__(self, _handler(self))

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def answer(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        record = Recorded(body, headers, time.monotonic())
        with self._lock:
            self.requests.append(record)
            behaviour = self.script.pop(0) if self.script else None
        behaviour = behaviour or next((b for text, b in self.rules.items() if text in record.prompt), None)
        time.sleep(self.latency)
        if behaviour == "429":
            return 429, {"Retry-After": "1"}, _error("Rate limit reached", "rate_limit_exceeded")
        if behaviour == "500":
            return 500, {}, _error("The server had an error", "server_error")
        if behaviour == "401-echo-key":
            key = headers.get("authorization", "").removeprefix("Bearer ")
            return 401, {}, _error(f"Incorrect API key provided: {key}", "invalid_api_key")
        if record.response_format == "json_schema":
            if self.reject_json_schema:
                return 400, {}, _error("response_format json_schema is not supported", "invalid_request_error")
            schema = body["response_format"]["json_schema"]["schema"]
        else:
            found = re.search(r"<schema>\n(.*?)\n</schema>", record.prompt, re.DOTALL)
            schema = json.loads(found.group(1)) if found else {"type": "object", "properties": {}}
        english, chinese = ENGLISH, CHINESE
        paper = re.search(r"<paper>\n(.*?)\n</paper>", record.prompt, re.DOTALL)
        if paper and behaviour != "ungrounded":
            english, chinese = _quoting(json.loads(paper.group(1))["abstract"])
        reply = _instance(schema, english=english, chinese=chinese)
        if behaviour == "schema-violation":
            reply.pop(next(iter(reply)))
        if behaviour == "english-for-chinese":
            reply = _instance(schema, english=english, chinese=english)
        if behaviour == "hostile":
            reply = _instance(schema, english=HOSTILE + english, chinese=HOSTILE + chinese)
        content = json.dumps(reply, ensure_ascii=False)
        if behaviour == "invalid-json":
            content = content[: len(content) // 2]
        record.reply = content
        finish = "length" if behaviour == "truncated" else "stop"
        prompt_tokens = estimate_tokens(record.prompt) + estimate_tokens(json.dumps(body.get("response_format", {})))
        record.prompt_tokens = prompt_tokens
        return 200, {}, {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": estimate_tokens(content),
                "total_tokens": prompt_tokens + estimate_tokens(content),
            },
        }


def _quoting(abstract: str) -> tuple[str, str]:
    """English and Chinese texts as long as ENGLISH that quote the abstract's first words."""
    words: list[str] = []
    for word in abstract.split():
        if len(" ".join([*words, word])) > len(ENGLISH):
            break
        words.append(word)
    quote = " ".join(words) or "The paper."
    return quote, f"论文摘要写道：{quote}"


def _instance(schema: dict[str, Any], key: str = "", *, english: str = ENGLISH, chinese: str = CHINESE) -> Any:
    """A value that satisfies the schema; strings under a "zh" key are Chinese."""
    kind = schema.get("type")
    if kind == "object":
        return {
            name: _instance(sub, name, english=english, chinese=chinese)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        item = schema.get("items", {})
        return [f"{_instance(item, key, english=english, chinese=chinese)[:12]} {n}" for n in range(1, 5)]
    return chinese if key == "zh" else english


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "code": code}}


def _handler(server: OpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {}, _error(f"no route {self.path}", "not_found"))
                return
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            self._send(*server.answer(body, {k.lower(): v for k, v in self.headers.items()}))

        def _send(self, status: int, headers: dict[str, str], payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            """Quiet: tests read `server.requests` instead."""

    return Handler
