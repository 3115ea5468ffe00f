"""Development-only pages (never mounted when APP_ENV=production)."""
