"""Accounts in the admin. Every change to who may do what (users' access flags, groups
and permissions, team memberships and roles) and every unlock of a sign-in lockout is
recorded in the audit log (audit/services.py): the admin is where these
changes are made, so it is where they are recorded."""

# Imported so that allauth's models are registered before some are unregistered below.
from allauth.account import admin as _allauth_account_admin  # noqa: F401
from allauth.account.models import EmailAddress
from allauth.socialaccount import admin as _allauth_social_admin  # noqa: F401
from allauth.socialaccount.models import SocialApp, SocialToken
from axes.admin import AccessAttemptAdmin as BaseAccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction

from accounts.models import Membership, Team, User
from accounts.services import membership_create, membership_delete, membership_update
from accounts.single_line import SingleLineAdmin
from audit.models import AuditEvent
from audit.services import AuditTarget, audit_record

ACCESS_FLAGS = ["is_active", "is_staff", "is_superuser"]
ACCESS_SETS = ["groups", "user_permissions"]


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "role", "source", "joined_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "display_name", "time_zone", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "teams"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "display_name", "password1", "password2"],
            },
        )
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        if not change:
            audit_record(
                action=AuditEvent.Action.USER_CREATED,
                actor=request.user,
                target=user,
                request=request,
                is_staff=user.is_staff,
                is_superuser=user.is_superuser,
            )
            return
        # form.initial holds the values the page was opened with.
        changes: dict[str, object] = {
            name: [form.initial.get(name), form.cleaned_data[name]]
            for name in ACCESS_FLAGS
            if name in form.changed_data
        }
        for name in ACCESS_SETS:
            if name in form.changed_data:
                before = {str(getattr(o, "pk", o)): str(o) for o in form.initial.get(name) or []}
                after = {str(o.pk): str(o) for o in form.cleaned_data[name]}
                changes[name] = {
                    "added": sorted(after[pk] for pk in after.keys() - before.keys()),
                    "removed": sorted(before[pk] for pk in before.keys() - after.keys()),
                }
        if changes:
            audit_record(
                action=AuditEvent.Action.USER_ACCESS_CHANGED,
                actor=request.user,
                target=user,
                request=request,
                **changes,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record_user_deleted(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for user in queryset:
                _record_user_deleted(request, user)
            super().delete_queryset(request, queryset)


def _record_user_deleted(request, user: User) -> None:
    audit_record(
        action=AuditEvent.Action.USER_DELETED,
        actor=request.user,
        target=user,
        request=request,
        email=user.email,
        was_staff=user.is_staff,
        was_superuser=user.is_superuser,
    )


def _stored(membership: Membership) -> Membership:
    """The membership as saved (the form has already written its new values)."""
    return Membership.objects.select_related("team", "user").get(pk=membership.pk)


@admin.register(Team)
class TeamAdmin(SingleLineAdmin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Through the membership services, as single sign-on writes them: one audit row
        # per change. What formset.save() would leave for the admin's change message:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        writes = {"by": request.user, "request": request}
        for row in formset.forms:
            membership = row.instance
            if row in formset.deleted_forms:
                if membership.pk:
                    membership_delete(membership=_stored(membership), **writes)
                    formset.deleted_objects.append(membership)
                continue
            if not row.has_changed():
                continue
            fields = {
                "role": membership.role,
                "source": membership.source,
                "joined_at": membership.joined_at,
            }
            if membership.pk and "user" in row.changed_data:
                # The row now names someone else: one person left the team, another joined.
                membership_delete(membership=_stored(membership), **writes)
                membership.pk = None
            if membership.pk:
                membership_update(membership=membership, **fields, **writes)
                formset.changed_objects.append((membership, row.changed_data))
            else:
                created = membership_create(
                    user=membership.user, team=form.instance, **fields, **writes
                )
                formset.new_objects.append(created)
        return None

    def delete_model(self, request, obj):
        with transaction.atomic():
            _record_team_deleted(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for team in queryset:
                _record_team_deleted(request, team)
            super().delete_queryset(request, queryset)


def _record_team_deleted(request, team: Team) -> None:
    members = team.memberships.select_related("user").order_by("user__email")
    audit_record(
        action=AuditEvent.Action.TEAM_DELETED,
        actor=request.user,
        target=team,
        request=request,
        memberships=[[m.user.email, m.role] for m in members],
    )


# Sign-in lockouts (django-axes). Deleting an access attempt unlocks that username and
# address; the audit log records who did it. Axes' other two lists stay out of the
# admin: successful sign-ins and failures are in the audit log already.
admin.site.unregister(AccessAttempt)
for _model in (AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(BaseAccessAttemptAdmin):
    def delete_model(self, request, obj):
        with transaction.atomic():
            _record_unlock(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for attempt in queryset:
                _record_unlock(request, attempt)
            super().delete_queryset(request, queryset)


def _record_unlock(request, attempt: AccessAttempt) -> None:
    audit_record(
        action=AuditEvent.Action.UNLOCK,
        actor=request.user,
        target=AuditTarget("accounts.user", "", attempt.username or ""),
        request=request,
        username=attempt.username or "",
        locked_ip=attempt.ip_address,
        failures=attempt.failures_since_start,
    )


# Single sign-on (django-allauth). Identity providers are configured in the environment
# only (config/sso.py) and their tokens are not stored, so those two lists would stay
# empty; allauth's email addresses are not used (the user's email is the address).
# "Social accounts" stays: it shows who is linked to which provider account.
for _model in (SocialApp, SocialToken, EmailAddress):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
