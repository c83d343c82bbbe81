"""Basket subscriptions: a weekly or fortnightly basket, ordered each week by a scheduled job."""
