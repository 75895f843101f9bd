"""Bundled public keys for webhook signature verification (read with importlib.resources).

- ``x-wh-signature.rsa-public-key.pem``: GHL's RSA key, published in its webhook docs.
- ``x-ghl-signature.ed25519-public-key.UNCONFIRMED.pem``: the Ed25519 key as widely cited;
  not confirmed by an official source. Pass the key from your app settings to override it.
"""
