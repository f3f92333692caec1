"""Seeded, vectorised generation of customers and log rows (numpy columns, no per-row Python).

A `Population` is the fixed customer base of one tenant (names, 10-digit numbers, loan ids, EMI
amounts, the campaign each loan belongs to). `draw_logs` draws attempts against it one by one
(logs added to a running table): each loan is attempted repeatedly over a few weeks, on calls
and WhatsApp, with outcomes whose odds depend on the campaign, the agent, the hour of day and
the weekday. The initial table is drawn as sequences (`sequences`). Everything is a function of
the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import vocab

ATTEMPTS_PER_LOAN = 12  # on average
ATTEMPT_WINDOW_DAYS = 35  # a loan is worked for up to five weeks


@dataclass(frozen=True)
class Population:
    """The customers (one loan each) of a tenant, as parallel arrays indexed by customer code."""

    names: tuple[str, ...]
    phones: tuple[str, ...]
    loans: tuple[str, ...]
    emi: np.ndarray  # int64 rupees
    campaign: np.ndarray  # int16, index into vocab.CAMPAIGNS
    first_day: np.ndarray  # int32, day of the first attempt (0 = first day of the span)

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Rows:
    """Log rows as numpy columns (one entry per log); codes index into `vocab` and `Population`."""

    uid: np.ndarray  # int64, unique and stable: ids are derived from it
    start: np.ndarray  # int64, seconds since 1970-01-01T00:00:00 (naive local time)
    end_offset: np.ndarray  # int32, end_time - start_time in seconds (> 0)
    duration: np.ndarray  # int32, talk seconds; -1 for WhatsApp (no such field)
    type: np.ndarray  # int8, vocab.CALL or vocab.WHATSAPP
    campaign: np.ndarray  # int16
    customer: np.ndarray  # int32
    agent: np.ndarray  # int16
    caller: np.ndarray  # int16, index into vocab.CALLERS
    status: np.ndarray  # int8, index into vocab.STATUSES
    disposition: np.ndarray  # int8, index into vocab.DISPOSITIONS
    promise_days: np.ndarray  # int8, days from the start to the promised date (promises; else 0)

    def __len__(self) -> int:
        return len(self.uid)

    def take(self, order: np.ndarray) -> Rows:
        """The rows at positions `order`, as a new `Rows`."""
        return Rows(**{name: getattr(self, name)[order] for name in FIELDS})


FIELDS = tuple(Rows.__dataclass_fields__)


def make_population(rng: np.random.Generator, n_customers: int, days: int) -> Population:
    """Draw `n_customers` customers, each with one loan in one campaign."""
    n = max(1, n_customers)
    first = rng.integers(0, len(vocab.FIRST_NAMES), n)
    last = rng.integers(0, len(vocab.LAST_NAMES), n)
    names = tuple(
        f"{vocab.FIRST_NAMES[a]} {vocab.LAST_NAMES[b]}" for a, b in zip(first, last, strict=True)
    )
    phones = _unique_phones(rng, n)
    letters = rng.integers(0, 26, (n, 3)) + ord("A")
    serials = rng.permutation(np.arange(100_000, 100_000 + max(n, 900_000)))[:n]
    loans = tuple(
        f"LOAN-{chr(a)}{chr(b)}{chr(c)}-{s}"
        for (a, b, c), s in zip(letters.tolist(), serials, strict=True)
    )
    emi = (np.round(rng.lognormal(np.log(9000), 0.55, n), -2)).clip(1500, 90_000).astype(np.int64)
    weights = np.array([c.weight for c in vocab.CAMPAIGNS])
    campaign = rng.choice(len(vocab.CAMPAIGNS), size=n, p=weights / weights.sum()).astype(np.int16)
    first_day = rng.integers(0, max(1, days - 7), n).astype(np.int32)
    return Population(names, phones, loans, emi, campaign, first_day)


def _unique_phones(rng: np.random.Generator, n: int) -> tuple[str, ...]:
    """`n` distinct Indian mobile numbers (10 digits, first digit 6-9); the first is 8888889956."""
    numbers = np.unique(rng.integers(6_000_000_000, 10_000_000_000, n + n // 10 + 16))
    numbers = rng.permutation(numbers[numbers != 8_888_889_956])[: n - 1]
    return ("8888889956", *map(str, numbers.tolist()))


def draw_logs(
    rng: np.random.Generator,
    pop: Population,
    n: int,
    *,
    first_uid: int,
    span_start: int,
    days: int,
    start: np.ndarray | None = None,
) -> Rows:
    """Draw `n` attempts against `pop`, uids from `first_uid`; `start` overrides the start times."""
    customer = rng.integers(0, len(pop), n).astype(np.int32)
    campaign = pop.campaign[customer]
    wa_share = np.array([c.whatsapp_share for c in vocab.CAMPAIGNS])[campaign]
    kind = (rng.random(n) < wa_share).astype(np.int8)
    is_wa = kind == vocab.WHATSAPP

    if start is None:
        first = pop.first_day[customer]
        window = np.minimum(ATTEMPT_WINDOW_DAYS, days - first)
        day = first + (rng.random(n) * window).astype(np.int32)
        hours = np.array(vocab.CALL_HOURS)
        hw = np.array(vocab.CALL_HOUR_WEIGHTS)
        hour = np.where(is_wa, rng.integers(8, 22, n), rng.choice(hours, size=n, p=hw / hw.sum()))
        start = span_start + day * 86_400 + hour * 3600 + rng.integers(0, 3600, n)
    start = np.asarray(start, dtype=np.int64)
    hour = (start // 3600) % 24
    weekday = ((start // 86_400) + 3) % 7  # 1970-01-01 was a Thursday

    agent = np.where(is_wa, _BOTS[campaign], _pick_voice_agent(rng, campaign)).astype(np.int16)
    caller = np.where(is_wa, _SENDERS[campaign], _CALLERS[campaign]).astype(np.int16)

    status, disposition = _outcomes(rng, campaign, agent, kind, hour, weekday)
    duration, end_offset = _timings(rng, kind, status, disposition)
    promise_days = np.where(disposition == _PTP, rng.integers(1, 11, n), 0).astype(np.int8)
    uid = np.arange(first_uid, first_uid + n, dtype=np.int64)
    return Rows(
        uid,
        start,
        end_offset,
        duration,
        kind,
        campaign,
        customer,
        agent,
        caller,
        status,
        disposition,
        promise_days,
    )


_BOTS = np.array([c.bot for c in vocab.CAMPAIGNS])
_CALLERS = np.array([c.caller for c in vocab.CAMPAIGNS])
_SENDERS = np.array([c.sender for c in vocab.CAMPAIGNS])
_AGENT_TABLE = np.array(
    [[c.agents[i % len(c.agents)] for i in range(max(len(c.agents) for c in vocab.CAMPAIGNS))]
     for c in vocab.CAMPAIGNS]
)  # fmt: skip
_AGENT_COUNT = np.array([len(c.agents) for c in vocab.CAMPAIGNS])
_AGENT_CONTACT = np.array([a[1] for a in vocab.AGENTS])
_AGENT_PROMISE = np.array([a[2] for a in vocab.AGENTS])
_CAMPAIGN_CONTACT = np.array([c.contact for c in vocab.CAMPAIGNS])
_CAMPAIGN_FAILURE = np.array([c.failure for c in vocab.CAMPAIGNS])
_CAMPAIGN_PROMISE = np.array([c.promise for c in vocab.CAMPAIGNS])
_HOUR_CONTACT = np.ones(24)
_HOUR_CONTACT[list(vocab.CALL_HOURS)] = vocab.HOUR_CONTACT
_WEEKDAY_CONTACT = np.array(vocab.WEEKDAY_CONTACT)
_PTP = vocab.DISPOSITION_CODE["Promise to Pay"]


def _pick_voice_agent(rng: np.random.Generator, campaign: np.ndarray) -> np.ndarray:
    """One of the campaign's voice agents for each row, uniformly."""
    slot = (rng.random(len(campaign)) * _AGENT_COUNT[campaign]).astype(np.int64)
    return np.asarray(_AGENT_TABLE[campaign, slot])


def _outcomes(
    rng: np.random.Generator,
    campaign: np.ndarray,
    agent: np.ndarray,
    kind: np.ndarray,
    hour: np.ndarray,
    weekday: np.ndarray,
    factor: np.ndarray | None = None,
    forbid: dict[int, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Status and disposition codes; odds depend on campaign, agent, hour and weekday.

    `factor` multiplies each row's contact probability; `forbid` maps a disposition code to
    the rows that may not end in it (its weight is given to the others).
    """
    n = len(campaign)
    is_call = kind == vocab.CALL
    contact = _CAMPAIGN_CONTACT[campaign] * _AGENT_CONTACT[agent] * _WEEKDAY_CONTACT[weekday]
    if factor is not None:
        contact = contact * factor
    contact = np.where(is_call, contact * _HOUR_CONTACT[hour], contact).clip(0.02, 0.95)
    failure = _CAMPAIGN_FAILURE[campaign]
    u = rng.random(n)
    status = np.where(
        u < failure,
        vocab.FAILED,
        np.where(u < failure + contact, vocab.COMPLETED, vocab.NO_CONTACT),
    ).astype(np.int8)

    disposition = np.zeros(n, dtype=np.int8)
    promise = _CAMPAIGN_PROMISE[campaign] * _AGENT_PROMISE[agent]
    u = rng.random(n)
    for (k, st), choices in vocab.OUTCOMES.items():
        rows = np.flatnonzero((kind == k) & (status == st))
        if not len(rows):
            continue
        codes = np.array([vocab.DISPOSITION_CODE[name] for name, _ in choices])
        weights = np.tile(np.array([w for _, w in choices]), (len(rows), 1))
        weights[:, codes == _PTP] *= promise[rows, None]
        for code, banned in (forbid or {}).items():
            if (codes == code).any() and len(codes) > 1:
                weights[banned[rows], np.flatnonzero(codes == code)[0]] = 0.0
        cumulative = np.cumsum(weights, axis=1)
        cumulative /= cumulative[:, -1:]
        slot = (u[rows, None] > cumulative).sum(axis=1).clip(0, len(codes) - 1)
        disposition[rows] = codes[slot]
    return status, disposition


_TALK_MEDIAN = np.zeros(len(vocab.DISPOSITIONS))
_TALK_SPREAD = np.zeros(len(vocab.DISPOSITIONS))
for _name, (_median, _spread) in vocab.TALK_SECONDS.items():
    _TALK_MEDIAN[vocab.DISPOSITION_CODE[_name]] = _median
    _TALK_SPREAD[vocab.DISPOSITION_CODE[_name]] = _spread
_RING = {  # seconds of ringing (or dialling) before the call ended or was answered: (low, high)
    "Voicemail": (20, 36), "No Answer": (30, 46), "Busy": (2, 9), "Switched Off": (2, 7),
    "Network Error": (1, 6), "Invalid Number": (1, 6),
}  # fmt: skip
_RING_LOW = np.full(len(vocab.DISPOSITIONS), 5)
_RING_HIGH = np.full(len(vocab.DISPOSITIONS), 31)
for _name, (_low, _high) in _RING.items():
    _RING_LOW[vocab.DISPOSITION_CODE[_name]] = _low
    _RING_HIGH[vocab.DISPOSITION_CODE[_name]] = _high


def _timings(
    rng: np.random.Generator, kind: np.ndarray, status: np.ndarray, disposition: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Talk duration (-1 for WhatsApp) and end_time - start_time, consistent with the outcome."""
    n = len(kind)
    median = _TALK_MEDIAN[disposition]
    talk = np.where(
        median > 0,
        np.maximum(
            1, np.round(median * np.exp(rng.standard_normal(n) * _TALK_SPREAD[disposition]))
        ),
        0,
    )
    ring = rng.integers(_RING_LOW[disposition], _RING_HIGH[disposition])
    # WhatsApp: the conversation ends at the reply (minutes to hours), delivery or failure.
    reply = np.round(np.exp(rng.normal(np.log(1200), 1.0, n))).clip(30, 6 * 3600)
    wa_end = np.where(
        status == vocab.COMPLETED,
        reply,
        np.where(status == vocab.NO_CONTACT, rng.integers(5, 600, n), rng.integers(1, 30, n)),
    )
    is_wa = kind == vocab.WHATSAPP
    duration = np.where(is_wa, -1, talk).astype(np.int32)
    end_offset = np.where(is_wa, wa_end, ring + talk).astype(np.int32)
    return duration, end_offset
