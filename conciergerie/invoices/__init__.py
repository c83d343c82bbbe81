"""Invoices, receipts and credit notes: issued as orders and subscriptions go, numbered without
gaps, never changed once issued; shown as printable pages and PDFs."""
