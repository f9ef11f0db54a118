"""Who someone is and what they may do: the permission rules, users and passwords, sessions, login
throttling, the organisation login, API tokens and the audit log."""
