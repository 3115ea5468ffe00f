"""A realistic month of a carrier's M-Pesa money: payments in the database, and the Org Portal
exports of its Paybill and its Till, noise included, with the truth of which line is which.

Used by the match-rate test (tests/reconciliation/test_match_rates.py) and the benchmark
(bench/bench_reconcile.py). Deterministic for a seed.

The month: passengers pay by the STK prompt (most) or at the Paybill typing their booking
code (as typed: lower case, spaces, typos); some prompts fail or time out, and some of those
passengers then pay the carrier's Till by hand. The Paybill export has every confirmed
payment, each followed by its charge, plus failed rows, payments with a reference nobody
here knows, a daily sweep, a few payments it lacks (``missing``) and a few whose amount
differs from ours (``mismatched``). The Till export has the hand payments after failed
prompts, walk-in customers nobody here knows, payers who paid twice or retried the prompt
(two lines or two payments that fit: ambiguous on purpose), masked numbers, charges, sweeps.
"""
from __future__ import annotations

import csv
import io
import random
import string
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from app.auth.models import User
from app.database import utcnow
from app.extensions import db
from tests.reconciliation.support import payments

NAIROBI = ZoneInfo("Africa/Nairobi")
FARES = [40000, 45000, 64000, 72000, 75000, 80000, 90000, 120000, 144000, 150000]
PAYBILL_HEADER = ["Receipt No.", "Completion Time", "Initiation Time", "Details", "Transaction Status", "Paid In",
                  "Withdrawn", "Balance", "Balance Confirmed", "Reason Type", "Other Party Info",
                  "Linked Transaction ID", "A/C No."]
TILL_HEADER = ["STORE_NAME", "RECEIPT_NUMBER", "ACCOUNT_TYPE_NAME", "TRANSACTION_TYPE", "START_TIMESTAMP",
               "TRANSACTION_PARTY_DETAILS", "CREDIT_AMOUNT", "DEBIT_AMOUNT", "BALANCE", "LINKED_TRANSACTION_ID"]
NAMES = ["JANE WANJIKU", "PETER OTIENO", "AMINA HASSAN", "JOHN KAMAU", "MARY AKINYI", "DAVID MUTUA", "GRACE CHEBET"]


@dataclass
class Month:
    paybill_csv: str
    till_csv: str
    paybill_truth: dict[str, int | None] = field(default_factory=dict)  # money line -> payment id (None: not here)
    till_truth: dict[str, int | None] = field(default_factory=dict)
    mismatched: set[str] = field(default_factory=set)
    missing: set[int] = field(default_factory=set)
    period: tuple[datetime, datetime] | None = None
    paybill_lines: int = 0
    till_lines: int = 0


class _Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.receipts: set[str] = set()
        self.codes: set[str] = set()

    def receipt(self) -> str:
        while True:
            value = "S" + "".join(self.rng.choices(string.ascii_uppercase + string.digits, k=9))
            if value not in self.receipts:
                self.receipts.add(value)
                return value

    def code(self) -> str:
        while True:
            value = "".join(self.rng.choices("ABCDEFGHJKMNPQRSTUVWXYZ23456789", k=8))
            if value not in self.codes:
                self.codes.add(value)
                return value

    def phone(self) -> str:
        return "+2547" + "".join(self.rng.choices(string.digits, k=8))

    def typed(self, code: str) -> str:
        """What a customer types for a booking code at the Paybill."""
        roll = self.rng.random()
        if roll < 0.2:
            return code.lower()
        if roll < 0.3:
            return f"{code[:4]} {code[4:]}"
        if roll < 0.4:
            return f" {code} "
        if roll < 0.45:
            return code[:-1] + self.rng.choice("ABCDEFGH")
        return code


def _amount(minor: int) -> str:
    return f"{minor / 100:,.2f}" if minor else ""


def _local(moment: datetime, fmt: str) -> str:
    return moment.astimezone(NAIROBI).strftime(fmt)


def seed_month(world, *, days: int = 30, per_day: int = 40, seed: int = 7, end_day=None, paybill_dates: str = "dmy",
               passengers: int = 300) -> Month:
    """Payments for ``days`` days ending yesterday (Nairobi), ``per_day`` prompts or Paybill
    payments a day, into the database; and the two exports of that month with their truth."""
    g = _Gen(seed)
    rng = g.rng
    end_day = end_day or (utcnow().astimezone(NAIROBI).date() - timedelta(days=1))
    first_day = end_day - timedelta(days=days - 1)
    phones = sorted({g.phone() for _ in range(passengers)})
    user_ids = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True),
                                       [{"phone": p, "role": "passenger"} for p in phones]))
    specs, plan = [], []
    for n in range(days):
        day = first_day + timedelta(days=n)
        for _ in range(per_day):
            who = rng.randrange(len(phones))
            at = datetime.combine(day, time(6), tzinfo=NAIROBI) + timedelta(seconds=rng.randrange(15 * 3600))
            amount = rng.choice(FARES)
            roll = rng.random()
            base = dict(code=g.code(), amount=amount, phone=phones[who], user_id=user_ids[who],
                        created_at=at.astimezone(ZoneInfo("UTC")))
            if roll < 0.85:
                method = "mpesa_paybill" if roll < 0.15 else "mpesa_stk"
                settled = base["created_at"] + timedelta(seconds=rng.randint(3, 50))
                specs.append({**base, "status": "succeeded", "receipt": g.receipt(), "method": method,
                              "settled_at": settled})
            else:
                specs.append({**base, "status": "failed" if roll < 0.95 else "expired"})
            plan.append(who)
            if roll >= 0.85 and rng.random() < 0.04:  # the passenger tried the prompt again at once
                again = base["created_at"] + timedelta(minutes=rng.randint(1, 3))
                specs.append({**base, "code": g.code(), "created_at": again, "status": "failed"})
                plan.append(who)
    ids = payments(world, specs)
    for spec, payment_id in zip(specs, ids):
        spec["id"] = payment_id
    month = Month(paybill_csv="", till_csv="")
    start = datetime.combine(first_day, time(0), tzinfo=NAIROBI)
    stop = datetime.combine(end_day, time(23, 59, 59), tzinfo=NAIROBI)
    month.period = (start.astimezone(ZoneInfo("UTC")), stop.astimezone(ZoneInfo("UTC")))
    month.paybill_csv, month.paybill_lines = _paybill(g, specs, month, start, stop, paybill_dates)
    month.till_csv, month.till_lines = _till(g, specs, month, first_day, days)
    return month


def _paybill(g: _Gen, specs: list[dict], month: Month, start: datetime, stop: datetime, dates: str):
    rng = g.rng
    fmt = "%d-%m-%Y %H:%M:%S" if dates == "dmy" else "%Y-%m-%d %H:%M:%S"
    events = []  # (completed_at, row without balance, signed amount)
    for spec in specs:
        if spec["status"] != "succeeded":
            continue
        if rng.random() < 0.005:
            month.missing.add(spec["id"])
            continue
        amount = spec["amount"]
        if rng.random() < 0.004:
            amount += 5000
            month.mismatched.add(spec["receipt"])
        month.paybill_truth[spec["receipt"]] = spec["id"]
        done = spec["settled_at"] - timedelta(seconds=rng.randint(1, 3))
        party = f"{spec['phone'][1:]} - {rng.choice(NAMES)}"
        online = spec["method"] == "mpesa_stk"
        account = spec["code"] if online else g.typed(spec["code"])
        details = f"Pay Bill {'Online ' if online else ''}from {party} Acc. {account}"
        events.append((done, [spec["receipt"], done, done - timedelta(seconds=2), details, "Completed", amount, 0,
                              "Pay Bill Online" if online else "Pay Utility", party, "", account], amount))
        if rng.random() < 0.6:
            fee = max(100, amount // 100)
            events.append((done + timedelta(seconds=1), [g.receipt(), done + timedelta(seconds=1), done,
                                                         "Pay Bill Charge", "Completed", 0, fee, "Pay Bill Charge", "",
                                                         spec["receipt"], ""], -fee))
    extras = int(len(events) * 0.02) + 1
    for n in range(extras * 2):  # failed attempts, then customers paying a reference nobody knows
        moment = start + timedelta(seconds=rng.randrange(int((stop - start).total_seconds())))
        amount, party = rng.choice(FARES), f"{g.phone()[1:]} - {rng.choice(NAMES)}"
        status, account = ("Failed", g.code()) if n < extras else ("Completed", rng.choice(["NOSUCHREF", "FARE",
                                                                                            g.code()]))
        receipt = g.receipt()
        if status == "Completed":
            month.paybill_truth[receipt] = None
        events.append((moment, [receipt, moment, moment, f"Pay Bill from {party} Acc. {account}", status, amount, 0,
                                "Pay Utility", party, "", account], amount if status == "Completed" else 0))
    events.sort(key=lambda e: e[0])
    rows, balance, day = [], 5_000_000, None
    for moment, row, signed in events:
        local_day = moment.astimezone(NAIROBI).date()
        if day is not None and local_day != day:  # the evening sweep of the day before
            sweep = datetime.combine(day, time(23, 30), tzinfo=NAIROBI)
            rows.append([g.receipt(), _local(sweep, fmt), _local(sweep, fmt),
                         "Utility Account to Organization Settlement Account", "Completed", "", _amount(balance),
                         "0.00", "true", "Organization Settlement", "600638 - SAFIRI COACHES LTD", "", ""])
            balance = 0
        day = local_day
        balance += signed
        receipt, done, began, details, status, paid, withdrawn, reason, party, linked, account = row
        rows.append([receipt, _local(done, fmt), _local(began, fmt), details, status, _amount(paid),
                     _amount(withdrawn), _amount(balance) or "0.00", "true" if status == "Completed" else "false",
                     reason, party, linked, account])
    out = io.StringIO()
    out.write("Organization Name:,SAFIRI COACHES LTD\nOrganization Short Code:,600638\n")
    out.write(f"Time Period:,From {_local(start, fmt)} To {_local(stop, fmt)}\n")
    out.write(f"Operator:,safiri.api\nReport Date:,{_local(utcnow(), fmt)}\n\nTransactions\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAYBILL_HEADER)
    writer.writerows(rows)
    return out.getvalue(), len(rows)


def _masked(phone: str) -> str:
    digits = phone[1:]
    return f"{digits[:6]}***{digits[9:]}"


def _till(g: _Gen, specs: list[dict], month: Month, first_day, days: int):
    rng = g.rng
    fmt = "%Y-%m-%d %H:%M:%S"
    events = []
    for spec in specs:  # a failed prompt, then (often) a payment at the Till by hand
        if spec["status"] == "succeeded" or rng.random() >= 0.6:
            continue
        moment = spec["created_at"] + timedelta(seconds=rng.randint(60, 25 * 60))
        payer = _masked(spec["phone"]) if rng.random() < 0.1 else spec["phone"][1:]
        receipt = g.receipt()
        month.till_truth[receipt] = spec["id"]
        events.append((moment, receipt, payer, spec["amount"]))
        if rng.random() < 0.03:  # paid twice by mistake: two lines fit the one payment
            second = moment + timedelta(seconds=rng.randint(20, 120))
            receipt = g.receipt()
            month.till_truth[receipt] = None
            events.append((second, receipt, payer, spec["amount"]))
    walk_ins = len(events) // 3
    for _ in range(walk_ins):
        day = first_day + timedelta(days=rng.randrange(days))
        moment = datetime.combine(day, time(6), tzinfo=NAIROBI) + timedelta(seconds=rng.randrange(15 * 3600))
        receipt = g.receipt()
        month.till_truth[receipt] = None
        events.append((moment, receipt, g.phone()[1:], rng.choice(FARES)))
    events.sort(key=lambda e: e[0])
    rows, balance, day = [], 0, None
    store = "SAFIRI COACHES NAKURU"
    for moment, receipt, payer, amount in events:
        local_day = moment.astimezone(NAIROBI).date()
        if day is not None and local_day != day:
            sweep = datetime.combine(day, time(23), tzinfo=NAIROBI)
            rows.append([store, g.receipt(), "Merchant Account", "Merchant Account to Organization Settlement Account",
                         _local(sweep, fmt), "600638 - SAFIRI COACHES LTD", "", _amount(balance), "0.00", ""])
            balance = 0
        day = local_day
        balance += amount
        rows.append([store, receipt, "Merchant Account", "Customer Merchant Payment", _local(moment, fmt),
                     f"{payer} - {rng.choice(NAMES)}", _amount(amount), "", _amount(balance), ""])
        if rng.random() < 0.5:
            fee = max(50, amount * 55 // 10000)
            balance -= fee
            rows.append([store, g.receipt(), "Merchant Account", "Pay merchant Charge", _local(moment, fmt), "", "",
                         _amount(fee), _amount(balance), receipt])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TILL_HEADER)
    writer.writerows(rows)
    return out.getvalue(), len(rows)
