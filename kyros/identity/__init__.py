"""Identity primitives: roles, password hashing, tokens, API keys and rate limits."""
