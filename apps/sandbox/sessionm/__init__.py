"""The SessionM emulator: Core, Connect and Cloud POS behaviour on the paths of apps/sessionm/routes.py.

handlers.HANDLERS maps every route name to a handler; the sandbox server matches paths, checks credentials
and injects faults before dispatching. The program it runs (points, tiers, campaigns, offers, texts) is the
Fancy Fries demo in apps/sandbox/demo.py; its rules live in rules.py, its state in state.py.
"""
