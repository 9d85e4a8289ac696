"""Alert receivers (the webhooks alerting tools call), team integrations, the delivery log,
the team's alert page and a rule's firings."""

from django.urls import path

from postmortems.alerting import receiver_views as hooks
from postmortems.alerting import settings_views as alerting
from postmortems.alerting.oncall import urls as oncall_urls
from postmortems.alerting.quality import views as quality

urlpatterns = [
    path("hooks/<uuid:code>/", hooks.alert_receiver_view, name="pm-alert-receiver"),
    path("alerting/deliveries/", alerting.alert_deliveries_view, name="pm-alert-deliveries"),
    path("teams/<slug:team>/alerting/", alerting.alerting_list_view, name="pm-alerting-list"),
    path("teams/<slug:team>/alerts/", quality.team_alerts_view, name="pm-team-alerts"),
    path(
        "teams/<slug:team>/alerts/rules/<int:rule>/",
        quality.rule_firings_view,
        name="pm-alert-rule-firings",
    ),
    path(
        "teams/<slug:team>/alerting/new/",
        alerting.alerting_create_view,
        name="pm-alerting-create",
    ),
    path(
        "teams/<slug:team>/alerting/<uuid:code>/",
        alerting.alerting_edit_view,
        name="pm-alerting-edit",
    ),
    path(
        "teams/<slug:team>/alerting/<uuid:code>/token/",
        alerting.alerting_token_view,
        name="pm-alerting-token",
    ),
    *oncall_urls.urlpatterns,
]
