import functools
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.managers import UserManager


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone the installed tzdata knows, for the profile's select.

    A callable, so migrations name this function instead of freezing some 600 names:
    a tzdata update changes the list without making `makemigrations --check` fail.
    Cached: the list only changes when the process restarts with new tzdata.
    """
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150)
    time_zone = models.CharField(max_length=64, choices=time_zone_choices, default="UTC")
    digest_hour = models.PositiveSmallIntegerField(
        "digest hour",
        default=9,
        validators=[MaxValueValidator(23)],
        help_text="Local hour (0-23) for the weekday action item digest.",
    )
    receive_digests = models.BooleanField(
        "send me digests",
        default=True,
        help_text="Daily action item and weekly team lead digests. Reminders about "
        "missing postmortems are always sent.",
    )
    is_staff = models.BooleanField(
        default=False, help_text="Can sign in to the admin site and see staff pages."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    # Not a column: the dotted path of the backend that signed the user in, which
    # authenticate() (or the single sign-on adapter) sets and login() records.
    backend: str

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(digest_hour__lte=23), name="accounts_user_digest_hour_range"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name.split(" ")[0] if self.display_name else self.email

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members: "models.ManyToManyField[User, Membership]" = models.ManyToManyField(
        User, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEAD = "lead", "Lead"

    class Source(models.TextChoices):
        MANUAL = "manual", "Added by hand"
        SSO = "sso", "Single sign-on"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    # Single sign-on adds, changes and removes only the memberships it made itself
    # (accounts/sso/services.py); those added by hand stay as they are.
    source = models.CharField(
        max_length=10,
        choices=Source,
        default=Source.MANUAL,
        help_text="Memberships from single sign-on follow the identity provider's groups "
        "at each sign-in; set to 'Added by hand' to keep one regardless.",
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="accounts_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_role_display()})"
