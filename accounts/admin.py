from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, RegionalAccess, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "territory", "user", "is_active", "accepted_at"]
    list_filter = ["territory", "role", "is_active"]
    search_fields = ["email", "user__email"]
    raw_id_fields = ["user", "invited_by"]
    exclude = ["invitation_token_hash"]


@admin.register(RegionalAccess)
class RegionalAccessAdmin(admin.ModelAdmin):
    list_display = ["user_email", "user", "region", "is_active", "granted_at"]
    list_filter = ["region", "is_active"]
    search_fields = ["user__email", "user__last_name", "region__name"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "region"]

    @admin.display(description="e-mail", ordering="user__email")
    def user_email(self, access):
        return access.user.email
