"""What the desk pays its providers: each month's net due (their sales less the commission), the
payouts the concierge records against it, and what is still owed. The concierge records them from
a provider's statement (reports/views.py); the provider's staff read theirs in the portal."""
