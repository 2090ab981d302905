"""HTTP plumbing shared by the vendor clients (apps.sessionm, apps.braze): pooled sessions with timeouts,
capped jittered retries of safe calls, transport failures mapped to typed errors, and the in-process
transport that reaches the sandbox without a socket. Plain Python: no models, no views."""
