"""REST endpoints for tickets, QR images, scans and manifests (see tickets/ for the rules)."""
