"""The single-use links sent by e-mail: invitations and password resets.

A link's token is Django's: an HMAC of the account's password hash, last sign-in and the time,
so it stops working once the password is set and after its lifetime. The uid and token travel
after `#`, which browsers never send to a server: they appear in no access log or proxy log.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User


class LinkTokens(PasswordResetTokenGenerator):
    """Django's tokens with their own salt (an invitation token is no reset token) and lifetime."""

    def __init__(self, *, salt: str, lifetime_setting: str) -> None:
        super().__init__()
        self.key_salt = salt
        self.lifetime_setting = lifetime_setting

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        issued = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - issued <= getattr(settings, self.lifetime_setting)


invitation_tokens = LinkTokens(salt="accounts.links.invitation", lifetime_setting="INVITATION_LINK_SECONDS")
reset_tokens = LinkTokens(salt="accounts.links.password_reset", lifetime_setting="PASSWORD_RESET_LINK_SECONDS")

INVITATION_PAGE = "/static/web/invitation.html"
RESET_PAGE = "/static/web/reset.html"


def link_make(*, page: str, user: User, tokens: LinkTokens) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{settings.PUBLIC_BASE_URL}{page}#uid={uid}&token={tokens.make_token(user)}"


def link_user(*, uid: str, token: str, tokens: LinkTokens) -> User | None:
    """The active account a link was made for, if the link is genuine, unused and unexpired."""
    try:
        user = User.objects.select_for_update().get(pk=int(force_str(urlsafe_base64_decode(uid))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not user.is_active or not tokens.check_token(user, token):
        return None
    return user
