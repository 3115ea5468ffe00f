"""A user's own account: profile, deactivation, deletion (anonymisation)."""
