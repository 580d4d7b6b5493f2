"""A real OpenID Connect provider (npm oidc-provider) for the OAuth2 login tests."""
