"""The ticket area: issuing, scanning, manifests and their REST endpoints.

Everything here may use Flask and the database; the pure ticket library it builds on
(codec, keys, verifier, short codes, QR) lives in ``tickets/`` so that a scanner or a
third party can vendor it without the app.
"""
