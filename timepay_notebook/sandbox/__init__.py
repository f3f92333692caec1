"""A local TimePay logs API: `GET /api/v1/logs` over seeded, realistic data.

    >>> from timepay_notebook.sandbox import SandboxServer
    >>> with SandboxServer(n_logs=2450, seed=7) as srv:  # doctest: +SKIP
    ...     requests.get(f"{srv.url}/api/v1/logs", headers={"Authorization": f"Bearer {srv.token}"})

This package imports nothing from the client side of `timepay_notebook`.

The contract it serves (our reading of the API page, exact where the page is silent):

- **Auth.** `Authorization: Bearer <token>`. A missing header, another scheme or an unknown token
  gets 401. Each token maps to a tenant; tenants have separate data.
- **Filters.** `type` (`call` | `whatsapp`), `status`, `disposition`, `from_phone` (the caller's or
  sender's number, e.g. `+918035450808`), `phone` (the customer's 10-digit number), `campaign_id`,
  `agent_id`: exact, case-sensitive matches; a value nobody has matches nothing. `start_time` and
  `end_time`: `YYYY-MM-DDTHH:MM:SS` exactly, naive, inclusive at both ends, compared with the log's
  `start_time`; `start_time` after `end_time` matches nothing. An empty value (`type=`) means
  unfiltered. Query strings are decoded by the URL rules, so a raw `+` is a space:
  `from_phone` must be sent as `%2B918035450808`.
- **Pages.** `page` is 1-indexed (default 1); 10 logs a page. `pagination` is
  `{page, per_page: 10, total, total_pages: ceil(total / 10), has_next: page < total_pages,
  has_prev: page > 1}`; a page past the end has `data: []` and `has_next: false`; no match at all
  gives `total: 0, total_pages: 0`.
- **Order.** Newest `start_time` first; logs with the same `start_time` in the order they were
  created. New logs therefore push older ones to later pages.
- **Count only.** `count_only=true` answers `{"success": true, "total": N}`; `count_only=false`
  (or absent) pages. The value is case-insensitive; anything else is a 400.
- **Errors.** Always JSON `{"success": false, "error": <code>, "message": <what is wrong>}`:
  400 for an unknown parameter, a repeated parameter, a malformed time, a `page` that is not a
  positive integer, or a bad `count_only`; 401 as above; 404 for another path; 405 for another
  method; 429 (with `Retry-After`) past a configured rate or concurrency limit. The only
  exceptions are faults injected on purpose (`Faults`).
- **Records.** Calls carry the page's example fields (`call_id`, `date`, `start_time`, `end_time`,
  `campaign_name`, `campaign_id`, `name`, `loan_id`, `duration`, `direction`, `from`, `to`,
  `status`, `disposition`, `transcript_id`, `recording_id`, `extracted_data`, `summary`,
  `agent_id`, `disposition_id`, `type`); a failed call has `null` transcript and recording ids.
  WhatsApp logs have `message_id` instead of `call_id`, no `duration`, `transcript_id` or
  `recording_id`, and `message_status` and `template_name` of their own. `extracted_data` is
  `{"promised_amount": int, "promised_date": "YYYY-MM-DD"}` on Promise to Pay and `{}` elsewhere.

**Effects built into the data** (constants in `vocab`, logic in `sequences`; the analyses are
tested to find them, `tests/http/test_sandbox_effects.py`). Each loan's attempts form a
sequence in time:

- Contact odds depend on the campaign, the agent, the weekday and, for calls, the hour (calls
  run 08:00-18:59, best in the evening); the k-th call (or message) of a loan has them times
  `ATTEMPT_DECAY ** (k - 1)` (0.93), never below `ATTEMPT_FLOOR` (0.45) times.
- After "Callback Requested" the next attempt comes the next evening (17:00-18:59) unless one
  was due sooner, with contact odds times `CALLBACK_BOOST` (1.6).
- A promise to pay is kept with its campaign's `Campaign.keep` (0.30 to 0.70): the loan's next
  attempt is moved to on or before the promised date and ends in "Already Paid" (half of
  them, `RENEWAL_RATE`, are first renewed by a second promise before their date). A promise
  not kept sees no "Already Paid" and no new promise until `UNKEPT_QUIET_DAYS` (7) after its
  date, so with up to 7 days' grace the kept rate found is the campaign's.
- After "Already Paid" or "Wrong Number" a loan is not attempted again, except once on
  `IGNORED_STOP_RATE` (2%) of loans. `OFF_WINDOW_RATE` (0.4%) of calls start at 07:xx or
  19:xx-20:xx; otherwise a loan gets at most three calls a day, except `OVERDIAL_RATE` (1%) of
  loans whose first four calls fall on one day.
- Logs added later (`add_logs`, `Drift`) are drawn one by one, without these sequences.

Knobs for tests and benchmarks (each one tested over HTTP in `tests/http/test_sandbox_knobs.py`):

- `latency`: seconds from a request's arrival to its answer, which is made while it waits (as by
  a server far away: its work does not add to the wait).
- `Faults` (`FAULT_KINDS`), at a `rate` (seeded), by request number (`schedule`) or by page
  (`pages`, always or the first N requests of it; `Faults(pages={5: "drop"})` is one page that
  always drops):
  `429` with `Retry-After` (seconds or an HTTP-date), `500`/`502`/`503` JSON errors, `html` (a
  proxy's HTML 502), `truncated` (a 200 cut in half), `drop` (the connection closed, no answer),
  `unsuccessful` (a 200 saying `success: false`; `Faults(rate=0.01, kinds=("unsuccessful",))`),
  `trickle` (the normal answer with its body sent one byte every `trickle_interval` seconds),
  `echo_401`/`echo_500` (an error quoting every request header, the token included) and `hang`
  (the request is read and never answered; `stop()` still ends promptly and closes it).
- `refused_url()`: a base URL on 127.0.0.1 where every connection is refused at once (a port
  bound and never listening).
- `Drift`: logs arriving every N requests, at the front or anywhere in the span.
- `max_in_flight` and `max_per_second`: 429 (with `Retry-After`) past them.
- `always_has_next`: a broken server that never ends.
- `gzip` (answers compressed when the request accepts gzip, as most servers do) and `chunked`
  (bodies in chunked transfer coding, 4 KiB chunks, with no `Content-Length`).
- `stats`, `request_log` and `reset_stats()`: what the server received (never the token).
"""

from .faults import FAULT_KINDS, Drift, Faults, refused_url
from .server import RequestRecord, SandboxServer, Stats

__all__ = [
    "FAULT_KINDS",
    "Drift",
    "Faults",
    "RequestRecord",
    "SandboxServer",
    "Stats",
    "refused_url",
]
