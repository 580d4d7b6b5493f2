"""Identity adapters: password hashing, tokens, API keys, OAuth2 login, and who holds
a credential now."""
