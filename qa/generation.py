"""Optional: let a language model write the answer from the cited passages, then check it.

Configured by environment variables (nothing is generated when they are unset):

    QA_LLM_BASE_URL   an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1
    QA_LLM_MODEL      the model name to ask for
    QA_LLM_API_KEY    sent as a bearer token, if set

A generated answer is used only if every [n] marker points to a passage and every
number in a sentence appears in a passage that sentence cites; otherwise the caller
keeps the extractive answer. This module never raises for a failed endpoint.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from qa.passage import Passage
from qa.sentences import compact, split_sentences

log = logging.getLogger(__name__)

MARKER = re.compile(r"\[(\d+)\]")
MARKER_AFTER_STOP = re.compile(r"([。！？!?；;]+)((?:\[\d+\])+)")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
TIMEOUT_SECONDS = 30
SYSTEM_PROMPT = (
    "你是一个严谨的问答助手。只根据用户给出的编号段落回答问题，用一到两句中文作答，"
    "每句话后用 [编号] 标明依据的段落。段落中没有答案时，回答“文档中没有找到答案”。"
)


@dataclass(frozen=True)
class GenerationConfig:
    base_url: str
    model: str
    api_key: str = ""

    @classmethod
    def from_env(cls) -> GenerationConfig | None:
        base_url, model = os.environ.get("QA_LLM_BASE_URL", ""), os.environ.get("QA_LLM_MODEL", "")
        if not base_url or not model:
            return None
        return cls(base_url.rstrip("/"), model, os.environ.get("QA_LLM_API_KEY", ""))


def build_prompt(question: str, passages: list[Passage]) -> str:
    numbered = "\n\n".join(f"[{n}] 《{p.title}》\n{p.text}" for n, p in enumerate(passages, 1))
    return f"段落：\n{numbered}\n\n问题：{question}"


def _completion_request(
    config: GenerationConfig, question: str, passages: list[Passage], *, stream: bool = False
) -> urllib.request.Request:
    body = {
        "model": config.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": build_prompt(question, passages)},
        ],
    } | ({"stream": True} if stream else {})
    return urllib.request.Request(
        f"{config.base_url}/chat/completions",
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}),
    )


def request_completion(config: GenerationConfig, question: str, passages: list[Passage]) -> str | None:
    request = _completion_request(config, question, passages)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            payload = json.loads(response.read().decode("utf-8"))
        return str(payload["choices"][0]["message"]["content"]).strip()
    except (OSError, urllib.error.URLError, ValueError, KeyError, IndexError, TypeError) as error:
        log.warning("generation failed, keeping the extractive answer: %s", error)
        return None


def problems(text: str, passages: list[Passage]) -> list[str]:
    """Why a generated answer cannot be trusted; empty when every check passes.

    "产值达2300万元[1]" with passage 1 holding "2300万元" -> []
    "产值达9999万元[1]" -> ["9999 is not in passage [1]"]
    """
    found = []
    markers = [int(m) for m in MARKER.findall(text)]
    if not markers:
        found.append("no [n] marker")
    found += [f"[{m}] points to no passage" for m in markers if not 1 <= m <= len(passages)]
    if found:
        return found
    # "…600亩。[1]": a marker after the full stop belongs to the sentence before it.
    for sentence in split_sentences(MARKER_AFTER_STOP.sub(r"\2\1", text)):
        cited = [passages[int(m) - 1] for m in MARKER.findall(sentence)]
        for number in NUMBER.findall(MARKER.sub("", sentence)):
            if not any(number in compact(p.text) for p in cited):
                where = ", ".join(f"[{passages.index(p) + 1}]" for p in cited) or "no cited passage"
                found.append(f"{number} is not in {where}")
    return found


def generate_answer(config: GenerationConfig, question: str, passages: list[Passage]) -> str | None:
    """A checked generated answer, or None when generation failed or did not pass the checks."""
    text = request_completion(config, question, passages)
    if text is None or _rejected(text, passages):
        return None
    return text


def _rejected(text: str, passages: list[Passage]) -> list[str]:
    """What the checks find wrong with a generated answer (logged), empty when it passes."""
    issues = problems(text, passages) if text else ["empty answer"]
    if issues:
        log.warning("generated answer rejected (%s), keeping the extractive answer", "; ".join(issues))
    return issues


@dataclass(frozen=True)
class Streamed:
    """The generated answer so far; the last one has `done` set and says whether it passed the checks."""

    text: str
    done: bool = False
    accepted: bool = False
    reason: str = ""  # when done and not accepted: why (the failed checks, or the endpoint's error)
    endpoint_failed: bool = False  # done because the endpoint failed, not because the text was checked


def stream_answer(config: GenerationConfig, question: str, passages: list[Passage]) -> Iterator[Streamed]:
    """The answer as the endpoint writes it (server-sent events, `"stream": true`), then the checks.

    Yields the text so far after each piece, then one `done` item: accepted when the whole
    text passes `problems`. Never raises for a failed endpoint: the last item says why.
    """
    request = _completion_request(config, question, passages, stream=True)
    text = ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            for raw in response:
                line = raw.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue  # blank separators and SSE comments
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    break
                piece = json.loads(data)["choices"][0].get("delta", {}).get("content") or ""
                if piece:
                    text += piece
                    yield Streamed(text)
    except (OSError, urllib.error.URLError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        log.warning("streamed generation failed, keeping the extractive answer: %s", error)
        yield Streamed(text, done=True, reason=f"generation failed ({type(error).__name__})", endpoint_failed=True)
        return
    text = text.strip()
    issues = _rejected(text, passages)
    yield Streamed(text, done=True, accepted=not issues, reason="; ".join(issues))
