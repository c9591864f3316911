"""planbridge as a service: an Arrow Flight SQL server that runs Substrait plans, and a client.

``planbridge serve`` (``server.PlanServer``) accepts plans over Flight SQL (statement and
prepared-statement forms) and streams Arrow back; ``planbridge.connect`` is the client.
"""
