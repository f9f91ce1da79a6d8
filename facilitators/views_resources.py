"""The territory's library of shared documents: uploaded by coordinators, read by every member.

Files are never served from a public media URL: the download view checks the membership (the territory middleware)
and the object's visibility (another territory's resource is a 404), then streams the file as an attachment.
"""

import mimetypes
from pathlib import Path

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import slugify
from django.views.generic import CreateView, View
from django_filters.views import FilterView

from accounts.enums import Role
from accounts.mixins import TerritoryMixin

from .filters import ResourceFilter
from .forms_network import ResourceForm
from .models import Resource
from .views_employers import VisibleObjectMixin

COORDINATORS = {Role.COORDINATOR}


class ResourceListView(TerritoryMixin, FilterView):
    template_name = "facilitators/resource_list.html"
    filterset_class = ResourceFilter
    paginate_by = 50
    context_object_name = "resources"

    def get_queryset(self):
        return self.visible(Resource).select_related("uploaded_by").order_by("kind", "title", "pk")


class ResourceCreateView(TerritoryMixin, CreateView):
    allowed_roles = COORDINATORS
    template_name = "facilitators/resource_form.html"
    form_class = ResourceForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.territory, "user": self.request.user}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, f"Ressource « {self.object.title} » ajoutée.")
        return response

    def get_success_url(self):
        return reverse("network:resource_list", kwargs={"territory_code": self.territory.code})


def download_name(resource):
    """The name the member's browser saves: the title, slugified, with the stored file's extension."""
    extension = Path(resource.file.name).suffix.lower()
    return f"{slugify(resource.title) or 'ressource'}{extension}"


class ResourceDownloadView(VisibleObjectMixin, View):
    object_model = Resource

    def get(self, request, *args, **kwargs):
        resource = self.visible_object
        try:
            handle = resource.file.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise Http404("Le fichier de cette ressource est introuvable.") from exc
        content_type = mimetypes.guess_type(resource.file.name)[0] or "application/octet-stream"
        response = FileResponse(handle, as_attachment=True, filename=download_name(resource), content_type=content_type)
        response["Cache-Control"] = "private, no-store"  # a member's document: no shared cache keeps a copy
        return response


class ResourceDeleteView(VisibleObjectMixin, View):
    object_model = Resource
    object_roles = COORDINATORS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        resource = self.visible_object
        storage, name, title = resource.file.storage, resource.file.name, resource.title
        resource.delete()
        # The file goes once the row is gone for good (a rolled back request keeps both).
        transaction.on_commit(lambda: storage.delete(name))
        messages.success(request, f"Ressource « {title} » supprimée.")
        return redirect("network:resource_list", territory_code=self.territory.code)
