"""Accounts: log in, log out, registration, password reset, and the role checks every view uses."""
