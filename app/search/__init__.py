"""One search box for the coach: a resident by name, a door by address or number, only within
the coach's own buildings."""
