"""Where a part of the product lets a part above it act or show something.

Parts depend on each other in one direction (docs/architecture.md). Sometimes a lower
part must still let a higher one take part: publishing a review (core) announces it
(notifications) and asks for the pulse (insights); a review's page (core) shows its
related reviews (archive). The lower part names the moment or the page; the
composition root (config/settings.py: EVENT_HANDLERS and PAGE_EXTRAS) says which
functions of the higher parts answer it. So the lower part imports nothing above it,
and the wiring is read in one place.
"""

from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string


@cache
def _functions(setting: str, name: str) -> tuple:
    return tuple(import_string(path) for path in getattr(settings, setting).get(name, ()))


@receiver(setting_changed)
def _forget_wiring(*, setting: str, **kwargs: Any) -> None:
    """Tests that override the wiring get their own, not the first one read."""
    if setting in ("EVENT_HANDLERS", "PAGE_EXTRAS", "OUTBOX_DELIVERERS"):
        _functions.cache_clear()
        _deliverer.cache_clear()


def handle_event(event: str, **kwargs: Any) -> None:
    """Call every handler of `event`, in order, in the caller's transaction: a handler
    that fails fails the change, as a direct call would."""
    for handler in _functions("EVENT_HANDLERS", event):
        handler(**kwargs)


def page_extras(page: str, **kwargs: Any) -> dict[str, Any]:
    """What the parts above add to `page`'s context, each under names of its own."""
    extras: dict[str, Any] = {}
    for provider in _functions("PAGE_EXTRAS", page):
        extras.update(provider(**kwargs))
    return extras


@cache
def _deliverer(channel: str) -> Any:
    return import_string(settings.OUTBOX_DELIVERERS[channel])


def outbox_deliverer(channel: str) -> Any:
    """The function that delivers outbox rows of `channel` (a higher part's channel,
    e.g. issue tracker calls): config/settings.py OUTBOX_DELIVERERS. It takes the row
    and raises on failure; see postmortems/notifications/outbox.py."""
    return _deliverer(channel)
