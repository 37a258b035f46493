"""The twin's identity: its one account, its default key and its default region.

A leaf module (it imports nothing of the twin's), so that every module needing these values
can import them without importing the module that keeps the state built from them."""

ACCOUNT_ID = "123456789012"
DEFAULT_ACCESS_KEY_ID = "AKIDTWINEXAMPLE0001"
DEFAULT_SECRET_ACCESS_KEY = "twin/Secret+Key/EXAMPLE0001"
DEFAULT_REGION = "us-east-1"
