"""The store: every SQL statement of the service, in functions that take a ``sqlite_utils.Database``.

It imports the core (the rules it keeps) and never the web; the web opens one connection per request.
"""
