"""Fixed vocabulary of the sandbox: campaigns, agents, numbers, statuses, dispositions, names.

Everything here is static; `population` draws customers and logs from it with a seeded
generator. Several values are the ones the API page uses in its examples (the campaign
`LKsfiGVdygfvYFGCdygayhf`, the caller `+918035450808`, the customer `8888889956`, ...), so
the page's example requests return data from the sandbox too.
"""

from __future__ import annotations

from dataclasses import dataclass

CALL, WHATSAPP = 0, 1
TYPES = ("call", "whatsapp")
DIRECTIONS = ("outbound",)
STATUSES = ("Completed", "No Contact", "Failed")
COMPLETED, NO_CONTACT, FAILED = 0, 1, 2


@dataclass(frozen=True)
class Disposition:
    """One disposition: its name, the id the API sends with it and the status it belongs to."""

    name: str
    id: str
    status: int


DISPOSITIONS: tuple[Disposition, ...] = (
    Disposition("Promise to Pay", "PtPqWmZrTxYvNbL", COMPLETED),
    Disposition("Already Paid", "AlPdKeRtGhUyMnB", COMPLETED),
    Disposition("Callback Requested", "CbRqLoPiUyTrEwQ", COMPLETED),
    Disposition("Not Interested", "NiNtAsDfGhJkLzX", COMPLETED),
    Disposition("Wrong Number", "WrNmQaZsWxEdCrF", COMPLETED),
    Disposition("Dispute", "DsPtVgBhNjMkLoI", COMPLETED),
    Disposition("Voicemail", "YefgTYRCdygdygw", NO_CONTACT),
    Disposition("No Answer", "NoAnPlMkOiJnBhU", NO_CONTACT),
    Disposition("Busy", "BsYyGvTfCrDxEsZ", NO_CONTACT),
    Disposition("Switched Off", "SwOfQwErTyUiOpA", NO_CONTACT),
    Disposition("No Response", "NrSpZxCvBnMaSdF", NO_CONTACT),
    Disposition("Network Error", "NeErGhJkLqWeRtY", FAILED),
    Disposition("Invalid Number", "InNbUiOpAsDfGhJ", FAILED),
    Disposition("Undelivered", "UnDlVrZxCvBnMqW", FAILED),
)
DISPOSITION_CODE = {d.name: i for i, d in enumerate(DISPOSITIONS)}

# Dispositions each (type, status) can end in, with base weights.
OUTCOMES: dict[tuple[int, int], tuple[tuple[str, float], ...]] = {
    (CALL, COMPLETED): (
        ("Promise to Pay", 0.36),
        ("Already Paid", 0.12),
        ("Callback Requested", 0.18),
        ("Not Interested", 0.20),
        ("Wrong Number", 0.05),
        ("Dispute", 0.09),
    ),
    (CALL, NO_CONTACT): (
        ("Voicemail", 0.45),
        ("No Answer", 0.35),
        ("Busy", 0.12),
        ("Switched Off", 0.08),
    ),
    (CALL, FAILED): (("Network Error", 0.6), ("Invalid Number", 0.4)),
    (WHATSAPP, COMPLETED): (
        ("Promise to Pay", 0.45),
        ("Already Paid", 0.20),
        ("Callback Requested", 0.15),
        ("Not Interested", 0.20),
    ),
    (WHATSAPP, NO_CONTACT): (("No Response", 1.0),),
    (WHATSAPP, FAILED): (("Undelivered", 1.0),),
}

# Talk time in seconds by disposition: (median, spread of the log-normal); 0 = nobody talked.
TALK_SECONDS: dict[str, tuple[float, float]] = {
    "Promise to Pay": (150, 0.45),
    "Already Paid": (70, 0.40),
    "Callback Requested": (55, 0.40),
    "Not Interested": (35, 0.50),
    "Wrong Number": (14, 0.40),
    "Dispute": (210, 0.45),
    "Voicemail": (22, 0.30),
}


@dataclass(frozen=True)
class Campaign:
    """A campaign and how its logs behave."""

    id: str
    name: str
    weight: float  # share of customers (loans) in this campaign
    whatsapp_share: float  # share of its attempts sent on WhatsApp
    contact: float  # base probability that an attempt reaches the customer
    failure: float  # base probability that an attempt fails technically
    promise: float  # multiplier on Promise to Pay among contacts
    keep: float  # probability that a promise is kept (a later Already Paid by its date)
    agents: tuple[int, ...]  # voice agents (indexes into AGENTS)
    bot: int  # WhatsApp agent (index into AGENTS)
    caller: int  # voice caller number (index into CALLERS)
    sender: int  # WhatsApp sender number (index into CALLERS)
    template: str  # WhatsApp template name


AGENTS: tuple[tuple[str, float, float], ...] = (
    # id, contact multiplier, promise multiplier
    ("lGJVyhgvayGDtfsfdfdf", 1.00, 1.00),
    ("aQwErTyUiOpLkJhGfDsA", 1.05, 1.20),
    ("zXcVbNmLkJhGfDsAqWeR", 0.95, 0.80),
    ("pOiUyTrEwQaSdFgHjKlZ", 1.00, 1.10),
    ("mNbVcXzLkJhGfDsAwErT", 0.90, 0.95),
    ("qAzWsXeDcRfVtGbYhNuJ", 1.10, 1.05),
    ("wSxEdCrFvTgBhNyJmUkI", 0.85, 0.70),
    ("eDcRfVtGbYhNuJmIkOlP", 1.00, 1.30),
    ("rFvTgBhNyJmUkIoLpAqS", 0.95, 1.00),
    ("tGbYhNuJmIkOlPaQsWdE", 1.05, 0.90),
    ("waBotPreDueNudge0001", 1.00, 1.00),
    ("waBotOverdueNudge002", 1.00, 1.00),
)

CALLERS: tuple[str, ...] = (
    "+918035450808",
    "+918888888888",
    "+918047112233",
    "+918068221100",
    "+919892100100",
    "+918069400400",
)

CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(id="LKsfiGVdygfvYFGCdygayhf", name="August EMI Reminder Campaign", weight=0.22,
             whatsapp_share=0.15, contact=0.46, failure=0.04, promise=1.00, keep=0.55, agents=(0, 1, 2),
             bot=10, caller=0, sender=4, template="emi_reminder_v2"),
    Campaign(id="PrEdUeJaNrMdRqWsXcVb", name="Pre-Due Reminder - January", weight=0.18,
             whatsapp_share=0.35, contact=0.52, failure=0.03, promise=1.15, keep=0.70, agents=(3, 4),
             bot=10, caller=1, sender=4, template="pre_due_reminder"),
    Campaign(id="BkTnOvRdUe130DpDqAzX", name="Bucket 1 Overdue (1-30 DPD)", weight=0.20,
             whatsapp_share=0.10, contact=0.38, failure=0.05, promise=0.90, keep=0.45, agents=(5, 6, 7),
             bot=11, caller=2, sender=5, template="overdue_1_30"),
    Campaign(id="BkTwOvRdUe3160DpDwSx", name="Bucket 2 Overdue (31-60 DPD)", weight=0.12,
             whatsapp_share=0.08, contact=0.30, failure=0.07, promise=0.65, keep=0.30, agents=(6, 8),
             bot=11, caller=3, sender=5, template="overdue_31_60"),
    Campaign(id="tcELESaJAtDfnWxJvzLU", name="WhatsApp EMI Nudge", weight=0.13,
             whatsapp_share=1.00, contact=0.30, failure=0.05, promise=1.00, keep=0.50, agents=(0,),
             bot=10, caller=0, sender=4, template="emi_nudge_quick_pay"),
    Campaign(id="TwWhLrLnCoLlEcTnEdCv", name="Two-Wheeler Loan Collections", weight=0.15,
             whatsapp_share=0.12, contact=0.42, failure=0.06, promise=0.95, keep=0.40, agents=(7, 9),
             bot=11, caller=2, sender=5, template="two_wheeler_emi"),
)  # fmt: skip

# How reachable customers are by hour of day (calls run 08:00-18:59) and by weekday (Mon=0).
CALL_HOURS = tuple(range(8, 19))
CALL_HOUR_WEIGHTS = (0.05, 0.08, 0.11, 0.11, 0.10, 0.07, 0.07, 0.09, 0.09, 0.11, 0.12)
HOUR_CONTACT = (0.75, 0.80, 0.95, 1.10, 1.05, 0.90, 0.80, 0.90, 1.05, 1.25, 1.35)
OFF_WINDOW_HOURS = (7, 19, 20)  # the few calls placed outside 08:00-19:00 start in these hours

# Attempt sequences and the contact policy (see the `sandbox` package docstring).
ATTEMPT_DECAY = 0.93  # the k-th call (message) of a loan: contact odds x ATTEMPT_DECAY**(k-1)
ATTEMPT_FLOOR = 0.45  # ... never below this multiplier
CALLBACK_BOOST = 1.6  # the attempt after a Callback Requested: contact odds x this
OFF_WINDOW_RATE = 0.004  # share of calls placed outside 08:00-19:00
OVERDIAL_RATE = 0.01  # share of loans whose first four calls fall on one day
IGNORED_STOP_RATE = 0.02  # share of loans attempted once more after Already Paid / Wrong Number
UNKEPT_QUIET_DAYS = 7  # no Already Paid from an unkept promise until a week after its date
RENEWAL_RATE = 0.5  # share of promises to be kept that are first renewed (superseded)
WEEKDAY_CONTACT = (0.92, 0.95, 0.95, 0.97, 0.95, 1.10, 1.20)

FIRST_NAMES = (
    "Aarav", "Aditi", "Akash", "Ananya", "Arjun", "Deepa", "Divya", "Farhan", "Gaurav", "Harpreet",
    "Ishaan", "Kavya", "Kiran", "Lakshmi", "Manoj", "Meera", "Mohammed", "Neha", "Nikhil", "Pooja",
    "Pradeep", "Priya", "Rahul", "Rajesh", "Ramesh", "Ritu", "Rohan", "Sanjay", "Sarita", "Shreya",
    "Sneha", "Suresh", "Tanvi", "Varun", "Vikram", "Yash", "Zoya", "Anil", "Bhavna", "Chetan",
)  # fmt: skip
LAST_NAMES = (
    "Sharma", "Verma", "Patel", "Reddy", "Nair", "Iyer", "Gupta", "Singh", "Khan", "Das",
    "Mehta", "Joshi", "Kulkarni", "Rao", "Pillai", "Chatterjee", "Banerjee", "Menon", "Shetty", "Yadav",
    "Mishra", "Agarwal", "Bose", "Choudhary", "Desai", "Gill", "Kapoor", "Malhotra", "Naidu", "Saxena",
)  # fmt: skip

SUMMARIES: dict[str, tuple[str, ...]] = {
    "Promise to Pay": (
        "Customer acknowledged the pending EMI of ₹{amount} and promised to pay by {pdate}.",
        "Customer cited a salary delay and committed to paying ₹{amount} on {pdate}.",
    ),
    "Already Paid": (
        "Customer said the EMI of ₹{emi} was already paid and asked for the receipt.",
        "Customer reported paying ₹{emi} through the app; payment to be verified.",
    ),
    "Callback Requested": (
        "Customer was busy and asked to be called back later about the EMI of ₹{emi}.",
        "Customer asked for a callback in the evening to discuss the overdue amount.",
    ),
    "Not Interested": (
        "Customer declined to discuss the EMI of ₹{emi} and ended the conversation.",
        "Customer refused to commit to a payment date.",
    ),
    "Wrong Number": ("The person who answered said the number does not belong to {name}.",),
    "Dispute": (
        "Customer disputed the EMI amount of ₹{emi}, claiming a foreclosure request was pending.",
        "Customer raised a dispute about penalty charges on loan {loan}.",
    ),
    "Voicemail": ("Call went to voicemail; a reminder message about ₹{emi} was left.",),
    "No Answer": ("Call rang out without an answer.",),
    "Busy": ("The line was busy.",),
    "Switched Off": ("The customer's phone was switched off.",),
    "No Response": ("Reminder delivered; the customer has not replied.",),
    "Network Error": ("The call could not be placed because of a network error.",),
    "Invalid Number": ("The number is not valid or not in service.",),
    "Undelivered": ("The WhatsApp message could not be delivered.",),
}
