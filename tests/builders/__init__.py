"""One builder per entity, at the level each test tier needs.

- `aggregates`: `new_*` aggregates in memory, for I/O-free unit tests.
- `commands`: `make_*` through the command layer, for integration tests (returns public ids).
- `http`: `create_*` / `register_agent` / `escalate` over HTTP, for end-to-end tests.

Every builder has defaults that make a valid entity; keyword arguments override them.
"""
