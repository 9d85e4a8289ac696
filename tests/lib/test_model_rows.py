"""Instances made without Model.__init__ (lib/model_rows.py) are the ones Django makes."""

import pytest
from django.db import models
from django.db.models import Model
from django.db.models.signals import post_init
from django.test.utils import isolate_apps

from lib.model_rows import _plain, instance_from_db
from postmortems.alerting.firings.models import Firing
from postmortems.models import TimelineEvent
from tests.factories import FiringFactory

pytestmark = pytest.mark.django_db


def _as_django_makes_it(row: Firing) -> Firing:
    names = [name for name in row.__dict__ if name != "_state"]
    values = [row.__dict__[n] for n in names]
    return Model.from_db.__func__(Firing, row._state.db, names, values)  # type: ignore[attr-defined]


@pytest.mark.parametrize("columns", [None, ("rule_id", "fired_at", "severity")])
def test_a_firing_read_is_the_instance_django_makes(columns, django_assert_num_queries):
    stored = FiringFactory(labels={"alertname": "NodeDown"}, repeats=3)
    read = Firing.objects.all() if columns is None else Firing.objects.only(*columns)
    with django_assert_num_queries(1):
        firing = read.get(pk=stored.pk)
    made = _as_django_makes_it(firing)

    assert firing.__dict__.keys() == made.__dict__.keys()
    assert {k: v for k, v in vars(firing).items() if k != "_state"} == {
        k: v for k, v in vars(made).items() if k != "_state"
    }
    assert (firing._state.adding, firing._state.db) == (False, made._state.db)
    assert firing.get_deferred_fields() == made.get_deferred_fields()
    assert firing.fired_at == stored.fired_at
    # A column not read is read when asked for, as after only().
    with django_assert_num_queries(0 if columns is None else 1):
        assert firing.repeats == 3
    # It saves as the row it is (an update, not an insert) and reads its relations.
    firing.severity = "SEV2"
    firing.save(update_fields=["severity"])
    assert Firing.objects.get(pk=stored.pk).severity == "SEV2"
    assert firing.rule == stored.rule
    firing.refresh_from_db()
    assert firing.labels == {"alertname": "NodeDown"}


def test_a_receiver_of_post_init_still_hears_every_instance():
    stored = FiringFactory()
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(instance.pk)

    post_init.connect(receiver, sender=Firing)
    try:
        Firing.objects.get(pk=stored.pk)
    finally:
        post_init.disconnect(receiver, sender=Firing)
    assert heard == [stored.pk]


@isolate_apps("postmortems")
def test_a_field_whose_attribute_does_more_than_store_keeps_the_plain_path():
    class Attachment(models.Model):
        name = models.CharField(max_length=10)
        upload = models.FileField()  # its descriptor wraps what is set

        class Meta:
            app_label = "postmortems"

        def __str__(self) -> str:
            return self.name

    assert _plain(Firing)
    assert _plain(TimelineEvent)
    assert not _plain(Attachment)
    made = instance_from_db(Attachment, "default", ["id", "name", "upload"], (1, "a", "f.txt"))
    assert made.upload.name == "f.txt"
    assert made._state.adding is False
