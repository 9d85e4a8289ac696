from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Incidents and postmortems"

    def ready(self) -> None:
        from postmortems.alerting.detection import readiness  # noqa: F401  (registers "detection")
        from postmortems.notifications import checks  # noqa: F401  (registers the system checks)
