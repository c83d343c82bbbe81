"""Text messages (SMS): to customers who asked for them on "Mon compte", and to walk-in
customers who left only a phone number at the desk — when their order is ready, and the day
before a slot. Written to an outbox with the change (service.py), sent by the mails' job through
a gateway (gateway.py); a STOP reply arrives on a signed webhook (views.py)."""
