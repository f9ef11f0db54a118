"""Telling people about changes: follows, the notifications they produce, and composing and sending
e-mail."""
