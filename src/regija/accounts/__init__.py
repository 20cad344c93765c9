"""Residents' accounts: a person's profile (language), verified residency per municipality, consents."""
