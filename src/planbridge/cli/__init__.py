"""The ``planbridge`` command: one module per subcommand, registered in ``main``."""
