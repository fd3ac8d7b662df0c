from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.lockout import lockout_seconds_left, sign_in_failed, sign_in_succeeded


class LockoutModelBackend(ModelBackend):
    """Django's username and password check, refused outright while the username is locked.

    Every sign-in form (the API's, the token exchange, the Django admin's) goes through here.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        if lockout_seconds_left(username=username):
            # Stops authenticate() at once: the password is not even checked.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            sign_in_failed(username=username)
        else:
            sign_in_succeeded(username=username)
        return user
