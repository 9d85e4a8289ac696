from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Incidents and postmortems"

    def ready(self) -> None:
        from postmortems import (
            audit_auth,  # noqa: F401  (connects the sign-in receivers)
            checks,  # noqa: F401  (registers the system checks)
        )
