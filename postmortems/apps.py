from django.apps import AppConfig


class PostmortemsConfig(AppConfig):
    name = "postmortems"
    verbose_name = "Incidents and postmortems"

    def ready(self) -> None:
        from postmortems.notifications import checks  # noqa: F401  (registers the system checks)
