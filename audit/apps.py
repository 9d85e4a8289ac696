from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log: who did what to which object, when and from where. It sits below
    every other app: they write to it through audit.services.audit_record, and it
    imports none of them."""

    name = "audit"
    verbose_name = "Audit log"
