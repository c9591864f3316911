"""Generated from proto/arrow_flight_sql/ (see generate.py there); do not edit."""
