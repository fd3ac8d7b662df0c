"""`manage.py mfa_reset <username>`: for the one case the API cannot serve, the last clinic
admin who lost both her phone and her recovery codes."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from mfa.services import second_factor_reset


class Command(BaseCommand):
    help = "Remove a user's authenticator app and recovery codes; she sets up a new one at her next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        second_factor_reset(user=user, reset_by=None)
        self.stdout.write(f"Two-factor sign-in reset for {username}: a new authenticator is set up at the next sign-in.")
