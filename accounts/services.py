from accounts.models import User


def user_update_profile(*, user: User, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save(update_fields=list(fields))
    return user


def user_stop_digests(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(receive_digests=False)
