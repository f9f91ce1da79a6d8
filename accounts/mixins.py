from django.core.exceptions import PermissionDenied


class TerritoryMixin:
    """For views under ``/<territory>/``: the middleware has resolved ``request.membership`` (or answered 404).

    ``allowed_roles`` limits the page to some roles of the territory (others get a 403: the page exists for
    everyone, the data belongs to the territory they are a member of). Objects are always fetched through
    ``Model.objects.visible_to(self.membership)``, so another territory's object is a 404.
    """

    allowed_roles = None  # None: every member of the territory

    def dispatch(self, request, *args, **kwargs):
        self.membership = request.membership
        self.territory = request.territory
        if self.membership is None:  # pragma: no cover - the middleware guarantees it for territory URLs
            raise PermissionDenied
        if self.allowed_roles is not None and self.membership.role not in self.allowed_roles:
            raise PermissionDenied("Cette page n'est pas accessible avec votre rôle.")
        return super().dispatch(request, *args, **kwargs)

    def visible(self, model):
        return model.objects.visible_to(self.membership)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("territory", self.territory)
        kwargs.setdefault("membership", self.membership)
        return super().get_context_data(**kwargs)
