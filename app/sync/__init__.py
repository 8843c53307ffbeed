"""Recording at the door without a signal: the coach's phone keeps a minimal, expiring copy
of their buildings and a queue of recordings, each with a client id and the time at the door;
`operations.apply_batch` applies a batch once per client id, in the order recorded, through
the same commands as the online pages."""
