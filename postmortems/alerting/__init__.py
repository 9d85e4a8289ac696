"""Alerting: integrations per team, the receivers that alerting tools call, payload
readers, alert groups and events, the delivery log."""
