"""The initial logs of a tenant as attempt sequences: each loan's attempts in time order, each
outcome depending on what came before (vectorised across loans, one step per attempt).

The effects (constants in `vocab`; documented in the `sandbox` package docstring):

- the k-th call (message) of a loan reaches the customer with the base odds times
  `ATTEMPT_DECAY ** (k - 1)`, never below `ATTEMPT_FLOOR` times;
- the attempt after a Callback Requested comes the next evening (17:00-18:59) unless one was
  due sooner, with contact odds times `CALLBACK_BOOST`;
- a promise to pay is kept with its campaign's probability `Campaign.keep`: the loan's next
  attempt is moved to before the promised date and ends in "Already Paid"; while a promise
  that will not be kept is open, no attempt ends in "Already Paid";
- after "Already Paid" or "Wrong Number" the loan is not attempted again, except on
  `IGNORED_STOP_RATE` of loans; `OFF_WINDOW_RATE` of calls start at 07:xx or 19:xx-20:xx and
  `OVERDIAL_RATE` of loans get their first four calls on one day.

Rows are drawn in excess, the ones after a stop are dropped, and the table is trimmed to
exactly `n` by dropping loans' last attempts (never an "Already Paid" or "Wrong Number").
"""

from __future__ import annotations

import numpy as np

from . import vocab
from .population import (
    _BOTS,
    _CALLERS,
    _SENDERS,
    ATTEMPT_WINDOW_DAYS,
    Population,
    Rows,
    _outcomes,
    _pick_voice_agent,
    _timings,
)

PAID = vocab.DISPOSITION_CODE["Already Paid"]
WRONG = vocab.DISPOSITION_CODE["Wrong Number"]
PTP = vocab.DISPOSITION_CODE["Promise to Pay"]
CALLBACK = vocab.DISPOSITION_CODE["Callback Requested"]
_KEEP = np.array([c.keep for c in vocab.CAMPAIGNS])
_WA_SHARE = np.array([c.whatsapp_share for c in vocab.CAMPAIGNS])
DAY = 86_400


def draw_sequences(
    rng: np.random.Generator, pop: Population, n: int, *, span_start: int, days: int
) -> Rows:
    """`n` logs against `pop` with the effects of the module docstring, uids 0..n-1."""
    extra = 1.3
    while True:
        rows, protected = _attempt(rng, pop, int(n * extra) + 40, span_start, days)
        if len(rows) >= n:
            return _trim(rng, rows, protected, n)
        extra *= 1.25


def _attempt(
    rng: np.random.Generator, pop: Population, m: int, span_start: int, days: int
) -> tuple[Rows, np.ndarray]:
    customer = rng.integers(0, len(pop), m).astype(np.int32)
    campaign = pop.campaign[customer]
    kind = (rng.random(m) < _WA_SHARE[campaign]).astype(np.int8)
    is_wa = kind == vocab.WHATSAPP
    first = pop.first_day[customer]
    window = np.minimum(ATTEMPT_WINDOW_DAYS, days - first)
    day = first + (rng.random(m) * window).astype(np.int32)
    hw = np.array(vocab.CALL_HOUR_WEIGHTS)
    hour = np.where(
        is_wa, rng.integers(8, 22, m), rng.choice(np.array(vocab.CALL_HOURS), m, p=hw / hw.sum())
    )
    off = ~is_wa & (rng.random(m) < vocab.OFF_WINDOW_RATE)
    hour = np.where(off, rng.choice(np.array(vocab.OFF_WINDOW_HOURS), m), hour)
    day = _at_most_three_calls_a_day(customer, ~is_wa, day)
    overdial = rng.random(len(pop)) < vocab.OVERDIAL_RATE
    ignores_stop = rng.random(len(pop)) < vocab.IGNORED_STOP_RATE
    call_number = _rank(customer, ~is_wa, np.arange(m))  # by draw order: the first four calls
    burst = overdial[customer] & ~is_wa & (call_number < 4)
    day = np.where(burst, first, day)
    hour = np.where(burst, 9 + 2 * call_number, hour)
    start = span_start + day.astype(np.int64) * DAY + hour * 3600 + rng.integers(0, 3600, m)

    order = np.lexsort((np.arange(m), start, customer))
    customer, campaign, kind, start = customer[order], campaign[order], kind[order], start[order]
    is_wa = kind == vocab.WHATSAPP
    attempt = _rank(customer, is_wa, start) + _rank(customer, ~is_wa, start)  # per channel
    agent = np.where(is_wa, _BOTS[campaign], _pick_voice_agent(rng, campaign)).astype(np.int16)
    position = _position(customer)
    status = np.zeros(m, dtype=np.int8)
    disposition = np.zeros(m, dtype=np.int8)
    promise_days = np.zeros(m, dtype=np.int8)
    protected = np.zeros(m, dtype=bool)  # kept through trimming: the attempts after a stop

    stopped = np.zeros(len(pop), dtype=bool)
    dropped = np.zeros(m, dtype=bool)
    pay_next = np.full(len(pop), -1, dtype=np.int64)  # latest start of a kept promise's payment
    open_until = np.full(len(pop), -1, dtype=np.int64)  # an unkept promise's promised date
    callback_at = np.full(len(pop), -1, dtype=np.int64)  # a callback's planned start
    renew_at = np.full(len(pop), -1, dtype=np.int64)  # a kept promise's renewal, by its date
    for step in range(int(position.max(initial=-1)) + 1):
        rows = np.flatnonzero(position == step)
        who = customer[rows]
        gone = stopped[who] & ~ignores_stop[who]
        dropped[rows[gone]] = True
        ignores_stop[who[stopped[who]]] = False  # one attempt after the stop, then no more
        protected[rows[~gone & stopped[who]]] = True
        rows, who = rows[~gone], who[~gone]
        paying = pay_next[who] >= 0
        pay_rows = rows[paying]
        start[pay_rows] = np.minimum(start[pay_rows], pay_next[who[paying]])
        status[pay_rows], disposition[pay_rows] = vocab.COMPLETED, PAID
        stopped[who[paying]] = True
        pay_next[who[paying]] = -1
        rows, who = rows[~paying], who[~paying]
        renewing = renew_at[who] >= 0
        new_rows, new_who = rows[renewing], who[renewing]
        start[new_rows] = np.minimum(start[new_rows], renew_at[new_who])
        status[new_rows], disposition[new_rows] = vocab.COMPLETED, PTP
        span = rng.integers(1, 11, len(new_rows))
        promise_days[new_rows] = span
        pay_next[new_who] = _pay_time(rng, start[new_rows], span)
        renew_at[new_who] = -1
        rows, who = rows[~renewing], who[~renewing]
        called_back = callback_at[who] >= 0
        start[rows] = np.where(called_back, np.minimum(start[rows], callback_at[who]), start[rows])
        callback_at[who] = -1
        hour = (start[rows] // 3600) % 24
        weekday = ((start[rows] // DAY) + 3) % 7
        decay = np.maximum(vocab.ATTEMPT_FLOOR, vocab.ATTEMPT_DECAY ** attempt[rows])
        factor = decay * np.where(called_back, vocab.CALLBACK_BOOST, 1.0)
        promise_open = open_until[who] >= start[rows]
        st, disp = _outcomes(
            rng,
            campaign[rows],
            agent[rows],
            kind[rows],
            hour,
            weekday,
            factor,
            {PAID: promise_open, PTP: promise_open},
        )
        status[rows], disposition[rows] = st, disp
        stops = (disp == PAID) | (disp == WRONG)
        stopped[who[stops]] = True
        promised = disp == PTP
        span = rng.integers(1, 11, len(rows))
        promise_days[rows[promised]] = span[promised]
        keeps = promised & (rng.random(len(rows)) < _KEEP[campaign[rows]])
        renews = keeps & (rng.random(len(rows)) < vocab.RENEWAL_RATE)
        pay_at = _pay_time(rng, start[rows], span)
        pay_next[who[keeps & ~renews]] = pay_at[keeps & ~renews]
        renew_at[who[renews]] = pay_at[renews]
        unkept = promised & ~keeps
        quiet = start[rows] // DAY + span + 1 + vocab.UNKEPT_QUIET_DAYS
        open_until[who[unkept]] = quiet[unkept] * DAY - 1
        evening = (start[rows] // DAY + 1) * DAY + rng.integers(17 * 3600, 19 * 3600, len(rows))
        callback = disp == CALLBACK
        callback_at[who[callback]] = evening[callback]

    keep = ~dropped
    caller = np.where(is_wa, _SENDERS[campaign], _CALLERS[campaign]).astype(np.int16)
    duration, end_offset = _timings(rng, kind, status, disposition)
    fields = (
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
    kept = [f[keep] for f in fields]
    return Rows(np.arange(int(keep.sum()), dtype=np.int64), *kept), protected[keep]


def _pay_time(rng: np.random.Generator, start: np.ndarray, span: np.ndarray) -> np.ndarray:
    """A time in calling hours after the promise's day and on or before its promised date."""
    day = start // DAY + rng.integers(1, span + 1)
    return np.asarray(day * DAY + rng.integers(9 * 3600, 19 * 3600, len(start)), dtype=np.int64)


def _at_most_three_calls_a_day(
    customer: np.ndarray, calls: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """`day` with each loan's fourth and later calls of a day moved to the next day."""
    day = day.copy()
    idx = np.flatnonzero(calls)
    for _ in range(60):
        key = customer[idx].astype(np.int64) * 100_000 + day[idx]
        rank = _rank(key, np.ones(len(idx), dtype=bool), np.arange(len(idx)))
        over = rank >= 3
        if not over.any():
            break
        moved = idx[over]
        day[moved] += 1
        idx = idx[np.isin(customer[idx], customer[moved])]  # only loans still to check
    return day


def _trim(rng: np.random.Generator, rows: Rows, protected: np.ndarray, n: int) -> Rows:
    """Exactly `n` rows: drop loans' last attempts (not Already Paid / Wrong Number) at random."""
    alive = np.ones(len(rows), dtype=bool)
    while alive.sum() > n:
        idx = np.flatnonzero(alive)
        last = np.r_[rows.customer[idx][1:] != rows.customer[idx][:-1], True]
        safe = last & (rows.disposition[idx] != PAID) & (rows.disposition[idx] != WRONG)
        safe &= ~protected[idx]
        candidates = idx[safe]
        excess = int(alive.sum()) - n
        if not len(candidates):
            candidates = idx
        alive[rng.choice(candidates, min(excess, len(candidates)), replace=False)] = False
    kept = rows.take(np.flatnonzero(alive))
    return Rows(np.arange(n, dtype=np.int64), *(getattr(kept, f) for f in _FIELDS[1:]))


def _rank(group: np.ndarray, mask: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Per row of `mask`: its 0-based rank by `key` within its `group` (0 elsewhere)."""
    out = np.zeros(len(group), dtype=np.int64)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return out
    order = idx[np.lexsort((idx, key[idx], group[idx]))]
    g = group[order]
    starts = np.r_[True, g[1:] != g[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    out[order] = np.arange(len(order)) - first
    return out


def _position(customer: np.ndarray) -> np.ndarray:
    """0-based position of each row within its customer (rows already sorted by customer)."""
    return _rank(customer, np.ones(len(customer), dtype=bool), np.arange(len(customer)))


_FIELDS = tuple(Rows.__dataclass_fields__)
