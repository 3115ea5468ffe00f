"""How many tickets per second one core can verify offline.

Run by hand: ``.venv/bin/python bench/bench_verify.py [--seconds 2] [--rounds 5]``;
``--smoke`` (the suite runs it) checks the answers in a blink and judges no time.

Compares, in the same process and on the same ticket, the project's
``Verifier.verify`` (whole path: Base45 text -> envelope checks -> key lookup
-> Ed25519 -> claims -> time window) with a bare ``Ed25519PublicKey.verify``
on the exact bytes the ticket signs. The ratio is what the envelope costs;
the target is >= 90 % of the bare rate (issue 17; it was 70 %). Best of several rounds, to keep
scheduler noise out of both figures alike.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tickets.codec import FareClass, TicketClaims, decode_unverified  # noqa: E402
from tickets.keys import Keyring  # noqa: E402
from tickets.qr import choose_symbol  # noqa: E402
from tickets.verifier import Verifier  # noqa: E402


def _rate(work: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``work``, measured in batches for ``seconds``."""
    calls, batch = 0, 200
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            work()
        calls += batch
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per round and contender")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a blink of each contender; fails on a wrong answer")
    args = parser.parse_args()
    if args.smoke:  # the suite runs this (tests/test_bench_smoke.py): answers checked, times not
        args.seconds, args.rounds = 0.02, 1

    keyring = Keyring.generate("k1").with_new_key()  # two keys, as after a rotation
    longest = TicketClaims(
        ticket_id=2**40 - 1, trip_id=2**32 - 1, seat_index=2**16 - 1, fare_class=FareClass.STUDENT,
        valid_from=datetime(2025, 1, 1, tzinfo=timezone.utc),
        valid_until=datetime(2106, 1, 1, tzinfo=timezone.utc), kid="k2",
    )
    payload = keyring.sign(longest)
    _, signed, signature = decode_unverified(payload)
    public_key = keyring.public_keys()[keyring.signing_kid]
    verifier = Verifier.from_jwks(keyring.jwks())
    now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert verifier.verify(payload, now=now).status == "valid"
    assert verifier.verify(payload).status == "valid"  # what ``project`` times, on the real clock
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    assert verifier.verify(tampered, now=now).status != "valid", "a tampered ticket must not verify"

    def project() -> object:
        return verifier.verify(payload)

    def bare() -> None:
        public_key.verify(signature, signed)

    best_project = best_bare = 0.0
    for _ in range(args.rounds):  # interleaved, so drift hits both alike
        best_bare = max(best_bare, _rate(bare, args.seconds))
        best_project = max(best_project, _rate(project, args.seconds))

    symbol = choose_symbol(payload)
    print(f"Python {sys.version.split()[0]}, best of {args.rounds} x {args.seconds:g}s, one core")
    print(f"bare Ed25519PublicKey.verify : {best_bare:10,.0f} verifications/s")
    print(f"tickets.verifier.Verifier    : {best_project:10,.0f} verifications/s")
    print(f"ratio                        : {best_project / best_bare:10.1%} (target >= 90%, issue 17)")
    print(f"longest ticket payload       : {len(payload)} characters, "
          f"QR version {symbol.version}, error correction {symbol.error_correction}")


if __name__ == "__main__":
    main()
