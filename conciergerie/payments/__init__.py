"""Payments: Stripe Checkout online, pay at the desk, refunds, the accountant's export."""
