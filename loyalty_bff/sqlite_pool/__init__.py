"""Django's SQLite backend with a per-process pool of connections, for gevent web workers (base.py).

settings._database names this package as the ENGINE only in a green process on SQLite: Django's ENGINE is a
package whose `base` module holds the DatabaseWrapper.
"""
