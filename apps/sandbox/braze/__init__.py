"""The emulated Braze REST API: trigger sends, users/track and users/delete (handlers), the profiles and
messages it keeps (state), and its hourly rate-limit window (ratelimit)."""
