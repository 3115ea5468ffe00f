#!/usr/bin/env bash
# The README's five-minute tour, runnable as is: `make tour` (or `bash scripts/tour.sh`)
# against the demo that `make run` serves (BASE overrides http://127.0.0.1:5000).
# A passenger buys a ticket, the carrier admin adds a driver by phone and reads the trip's
# manifest, the demo driver sees the shuttle boarding now. Sign-in codes are read from
# the development SMS outbox, so nothing is typed by hand. The lines after this header are
# the README's tour block, word for word (tests/test_tour.py checks that and runs this file
# with `bash -eo pipefail` against a served demo).
BASE=${BASE:-http://127.0.0.1:5000}
B=$BASE/api/v1
json() { python3 -c "import json, re, sys; d = json.load(sys.stdin); print($1)"; }
post() { curl -sS --fail-with-body -XPOST "$B$1" -H 'content-type: application/json' "${@:3}" -d "$2"; }
signin() {  # signin PHONE -> an access token (the code comes from /dev/outbox)
  post /auth/otp "{\"phone\":\"$1\"}" >/dev/null
  local code
  code=$(curl -sS --fail-with-body "$BASE/dev/outbox?to=${1/+/%2B}" \
         | json 'next(re.search(r"\b\d{6}\b", m["text"]).group() for m in d if m["kind"] == "otp")')
  post /auth/token "{\"phone\":\"$1\",\"code\":\"$code\"}" | json 'd["access_token"]'
}
TOMORROW=$(python3 -c 'import datetime as t; print((t.datetime.now(t.timezone(t.timedelta(hours=3))) + t.timedelta(days=1)).date())')

echo "== passenger +254711000111: search, book, pay (sandbox M-Pesa), tickets"
P="Authorization: Bearer $(signin +254711000111)"
OFFER=$(curl -sS --fail-with-body "$B/trips/search?origin=Nairobi&destination=Nakuru&date=$TOMORROW" | json 'json.dumps(d[0])')
TRIP=$(echo "$OFFER" | json 'd["trip_id"]')
ORDER=$(post /orders "{\"trip_id\":$TRIP,\"origin_stop_id\":$(echo "$OFFER" | json 'd["origin"]["id"]'),
  \"destination_stop_id\":$(echo "$OFFER" | json 'd["destination"]["id"]'),
  \"passengers\":[{\"fare_class\":\"standard\",\"passenger_name\":\"Wanjiku Kamau\"}]}" -H "$P" | json 'd["id"]')
post "/orders/$ORDER/payments" '{"method":"mpesa"}' -H "$P" | json '"payment: " + d["status"]'
curl -sS --fail-with-body "$B/tickets?scope=active" -H "$P" | json '"tickets: " + ", ".join(t["short_code"] for t in d)'
TICKET=$(curl -sS --fail-with-body "$B/tickets?scope=active" -H "$P" | json 'd[0]["id"]')
curl -sS --fail-with-body -o qr.png "$B/tickets/$TICKET/qr.png" -H "$P" && echo "QR code saved to qr.png"

echo "== carrier admin +254700000001: staff by phone, trips with seats, the manifest"
A="Authorization: Bearer $(signin +254700000001)"
C=$(curl -sS --fail-with-body "$B/trips/$TRIP" | json 'd["carrier"]["id"]')
post "/carriers/$C/staff" '{"phone":"0722 000 222","role":"driver","name":"Baraka Driver","language":"sw"}' -H "$A" \
  | json '"staff: {phone} is now a {role}".format(**d)'
curl -sS --fail-with-body "$B/carriers/$C/staff" -H "$A" | json '"\n".join("  {role:14} {phone}".format(**p) for p in d)'
curl -sS --fail-with-body "$B/carriers/$C/trips?from=$TOMORROW&until=$TOMORROW" -H "$A" \
  | json '"\n".join("  trip {id} {route_code:13} {0} seats {seats}".format(t["departure_at"][11:16], **t) for t in d[:4])'
curl -sS --fail-with-body "$B/carriers/$C/trips/$TRIP/manifest" -H "$A" \
  | json '"\n".join("  seat {seat} {passenger_name} {phone} paid {paid[amount]} boarded {boarded}".format(**p) for p in d["passengers"])'
curl -sS --fail-with-body "$B/carriers/$C/trips/$TRIP/manifest" -H "$A" -H 'Accept: text/csv' | head -2

echo "== demo driver +254700000002: today's trips (the demo shuttle boards now; open $BASE/scan)"
D="Authorization: Bearer $(signin +254700000002)"
curl -sS --fail-with-body "$B/driver/trips" -H "$D" \
  | json '"\n".join("  trip {id} {route_name} leaves {0}".format(t["departure_at"][11:16], **t) for t in d)'
echo "== done: try $BASE/ (every page), $BASE/dev/phone (USSD *384*1234#) and $BASE/api/docs"
