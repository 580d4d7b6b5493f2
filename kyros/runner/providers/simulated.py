"""An offline provider: deterministic text and token counts from a hash of the prompt."""

from __future__ import annotations

import hashlib
import math
import time

from kyros.domain.model_catalog import Usage
from kyros.runner.providers.base import Completion, CompletionRequest

_WORDS = (
    "plan", "module", "interface", "test", "edge", "case", "refactor", "review", "contract",
    "invariant", "migration", "handler", "event", "projection", "schema", "rollback", "metric",
    "latency", "retry", "boundary", "fixture", "coverage", "docs", "release",
)  # fmt: skip


class Simulated:
    """No network, no key: keeps a fresh machine working end to end; results say `simulated`.

    Same model and prompts, same text and token counts: input is about four characters a token,
    output is one token a word, between 24 and 127 words and never above `max_tokens`.
    """

    name = "simulated"

    def __repr__(self) -> str:
        return "Simulated()"

    def complete(self, request: CompletionRequest) -> Completion:
        started = time.monotonic()
        seed = "\0".join((request.model, request.system, request.prompt)).encode()
        digest = hashlib.sha256(seed).digest()
        output_tokens = max(1, min(request.max_tokens, 24 + digest[0] % 104))
        stream = hashlib.shake_256(seed).digest(output_tokens)
        words = [_WORDS[byte % len(_WORDS)] for byte in stream]
        words[0] = f"[simulated:{digest.hex()[:12]}]"
        input_tokens = math.ceil(len(request.system) / 4) + math.ceil(len(request.prompt) / 4)
        return Completion(
            text=" ".join(words),
            usage=Usage(input_tokens=max(1, input_tokens), output_tokens=output_tokens),
            response_seconds=time.monotonic() - started,
            model=request.model,
            provider=self.name,
            simulated=True,
        )
