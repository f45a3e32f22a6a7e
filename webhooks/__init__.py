"""Outbound webhooks: subscriptions, signed deliveries retried with backoff, and their log.

Reusable: it knows nothing about the domain. Call ``webhooks.services.webhooks_dispatch(event=…,
payload=…, audiences=…)`` when something happened; subscribers to that event whose audience is
blank or among ``audiences`` get a POST of the JSON body, signed with their own secret.
"""
