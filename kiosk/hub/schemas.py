"""The JSON bodies of ``docs/sync.md``, as pydantic models: what FastAPI validates and
documents in the OpenAPI document. Strict, so a number sent as a string is refused."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

#: The widest integer both databases keep (BIGINT).
MAX_INT = 2**63 - 1
#: Entries per batch: more is a terminal to be told to send smaller batches.
MAX_BATCH = 5000

Hash = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
PrevHash = Annotated[str, Field(pattern=r"^([0-9a-f]{64})?$")]
TerminalId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Seq = Annotated[int, Field(ge=1, le=MAX_INT)]
#: Printable text only: PostgreSQL refuses NUL in a text column, people cannot read controls.
Short = Annotated[str, Field(max_length=64, pattern=r"^[^\x00-\x1f\x7f]*$")]
Timestamp = Annotated[str, Field(max_length=40, pattern=r"^[0-9TZ:.+-]*$")]


#: Nesting a payload may have: deeper is no journal entry, and costs recursion to store.
MAX_DEPTH = 32


def _finite(value: Any, depth: int = 0) -> Any:
    """JSON the databases can keep: no NaN or infinity (PostgreSQL refuses them), bounded
    nesting."""
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("NaN and infinity are not JSON numbers")
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict | list):
        for child in children:
            _finite(child, depth + 1)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_finite)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class EnrolIn(_Strict):
    terminal_id: TerminalId
    code: Short


class EnrolOut(BaseModel):
    terminal_id: str
    terminal_key: str
    hub_key: str
    hub_url: str


class EntryIn(_Strict):
    seq: Seq
    ts: Timestamp
    event: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    actor: Short
    payload: JsonObject
    prev_hash: PrevHash
    hash: Hash


class EntriesIn(_Strict):
    entries: Annotated[list[EntryIn], Field(max_length=MAX_BATCH)]


class EntriesOut(BaseModel):
    acked_seq: int
    alerts: list[str]


class HeartbeatIn(BaseModel):
    """Unknown fields are kept (a newer terminal may say more); known ones are typed."""

    model_config = ConfigDict(strict=True, extra="allow")

    version: Short | None = None
    mode: Short | None = None
    acked_seq: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    backlog: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None
    printer: Literal["ok", "paper_low", "paper_out", "offline", "none"] | None = None
    reader: Literal["ok", "missing", "none"] | None = None
    last_sale_at: Timestamp | None = None
    clock: Timestamp | None = None
    params_version: Annotated[int, Field(ge=0, le=MAX_INT)] | None = None

    @model_validator(mode="after")
    def _extras_finite(self) -> HeartbeatIn:
        _finite(self.model_extra or {})
        return self


class HeartbeatOut(BaseModel):
    server_time: str
    bundle_version: int


class BundleOut(BaseModel):
    version: int
    body: str
    signature: str


class ErrorOut(BaseModel):
    error: str
    reason: str
