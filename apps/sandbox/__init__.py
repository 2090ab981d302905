"""Embedded emulator of SessionM (Core, Connect, Cloud POS) and Braze, seeded with the Fancy Fries demo
program. Never installed in production (settings refuse SANDBOX_ENABLED with DEBUG off). The BFF reaches
it only over HTTP, or the in-process HTTP transport (apps/upstream/inprocess.py); no app imports it."""
