"""Shared resources: uploaded by coordinators, downloaded by members through a view that checks the membership."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.enums import Role
from facilitators.models import Resource
from tests.network_objects import PDF_BYTES, make_resource

pytestmark = pytest.mark.django_db

ZIP_BYTES = b"PK\x03\x04" + b"\x00" * 64  # the head of an OOXML / OpenDocument file


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(name, territory, **kwargs):
    return reverse(f"network:{name}", kwargs={"territory_code": territory.code, **kwargs})


def upload_data(name="guide.pdf", content=PDF_BYTES, **overrides):
    return {
        "title": "Guide de la clause sociale",
        "kind": "guide",
        "description": "Pour les acheteurs.",
        "file": SimpleUploadedFile(name, content),
        **overrides,
    }


def stored_files(root):
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def test_coordinator_uploads_and_every_member_downloads(client, territory, coordinator, member, media_root):
    client.force_login(coordinator.user)
    response = client.post(url("resource_create", territory), upload_data())
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.territory == territory and resource.uploaded_by == coordinator.user
    # A random stored name under resources/<year>/: nothing guessable, the original name is not kept on disk.
    (stored,) = stored_files(media_root)
    assert stored.startswith("resources/") and stored.endswith(".pdf") and "guide" not in stored

    for role in Role:
        client.force_login(member(territory, role).user)
        response = client.get(url("resource_download", territory, pk=resource.pk))
        assert response.status_code == 200, role
        assert response["Content-Disposition"] == 'attachment; filename="guide-de-la-clause-sociale.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF_BYTES


def test_list_shows_download_links_never_a_media_url(client, territory, coordinator, settings):
    resource = make_resource(territory, coordinator.user, title="Modèle de relevé")
    client.force_login(coordinator.user)
    html = client.get(url("resource_list", territory)).content.decode()
    assert "Modèle de relevé" in html
    assert url("resource_download", territory, pk=resource.pk) in html
    assert resource.file.name not in html
    assert settings.MEDIA_URL not in html


def test_list_is_filtered_by_kind_and_its_query_count_is_pinned(client, territory, other_territory, coordinator):
    client.force_login(coordinator.user)
    client.get(url("resource_list", territory))  # the first visit stores the territory in the session
    make_resource(territory, coordinator.user, title="Guide A")
    with CaptureQueriesContext(connection) as few:
        client.get(url("resource_list", territory))
    for n in range(10):
        make_resource(territory, coordinator.user, title=f"Guide {n}")
    make_resource(other_territory, coordinator.user, title="Guide du 95")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("resource_list", territory))
    assert len(response.context["resources"]) == 11
    assert "Guide du 95" not in response.content.decode()
    assert len(many) == len(few) <= 9
    response = client.get(url("resource_list", territory), {"kind": "model_clause"})
    assert list(response.context["resources"]) == []


def test_another_territorys_resource_is_404(client, territory, other_territory, coordinator, member):
    foreign = make_resource(other_territory, coordinator.user, title="Guide du 95")
    for role in (Role.COORDINATOR, Role.COMMITTEE):
        client.force_login(member(territory, role).user)
        assert client.get(url("resource_download", territory, pk=foreign.pk)).status_code == 404
    client.force_login(coordinator.user)
    assert client.post(url("resource_delete", territory, pk=foreign.pk)).status_code == 404
    assert Resource.objects.filter(pk=foreign.pk).exists()


def test_a_member_of_another_territory_gets_404(client, territory, other_territory, member):
    resource = make_resource(territory, member(territory, Role.COORDINATOR).user)
    client.force_login(member(other_territory, Role.COORDINATOR).user)
    assert client.get(url("resource_download", territory, pk=resource.pk)).status_code == 404
    assert client.get(url("resource_list", territory)).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, territory, coordinator):
    resource = make_resource(territory, coordinator.user)
    response = client.get(url("resource_download", territory, pk=resource.pk))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.BUYER, Role.COMMITTEE, Role.COMPANY])
def test_only_coordinators_upload_and_delete(client, territory, coordinator, member, role, media_root):
    resource = make_resource(territory, coordinator.user)
    files_before = stored_files(media_root)
    client.force_login(member(territory, role).user)
    assert client.get(url("resource_create", territory)).status_code == 403
    assert client.post(url("resource_create", territory), upload_data(title="Intrus")).status_code == 403
    assert client.post(url("resource_delete", territory, pk=resource.pk)).status_code == 403
    assert list(Resource.objects.values_list("pk", flat=True)) == [resource.pk]
    assert stored_files(media_root) == files_before
    assert "Supprimer" not in client.get(url("resource_list", territory)).content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "outil.exe",
            b"MZ\x90\x00",
            "Ce type de fichier n'est pas accepté. Formats acceptés : pdf, odt, ods, docx, xlsx, csv, txt.",
        ),
        ("faux.pdf", b"MZ\x90\x00 not a pdf", "Le contenu du fichier ne correspond pas à son extension « .pdf »."),
        ("tableau.xlsx", b"plain text", "Le contenu du fichier ne correspond pas à son extension « .xlsx »."),
        ("binaire.csv", b"a;b\x00\x01", "Le contenu du fichier ne correspond pas à son extension « .csv »."),
    ],
)
def test_file_types_are_checked(client, territory, coordinator, media_root, name, content, message):
    client.force_login(coordinator.user)
    response = client.post(url("resource_create", territory), upload_data(name=name, content=content))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]
    assert 'value="Guide de la clause sociale"' in response.content.decode()  # what was typed is kept
    assert not Resource.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(("name", "content"), [("tableau.xlsx", ZIP_BYTES), ("notes.txt", "Été".encode("cp1252"))])
def test_accepted_types(client, territory, coordinator, name, content):
    client.force_login(coordinator.user)
    assert client.post(url("resource_create", territory), upload_data(name=name, content=content)).status_code == 302
    assert Resource.objects.get().file.name.endswith(name.rsplit(".", 1)[1])


def test_files_over_10_mb_are_refused(client, territory, coordinator, media_root):
    client.force_login(coordinator.user)
    too_big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    response = client.post(url("resource_create", territory), upload_data(content=too_big))
    assert response.context["form"].errors["file"] == ["Le fichier dépasse la taille maximale de 10 Mo."]
    assert not Resource.objects.exists()
    assert stored_files(media_root) == []


def test_coordinator_deletes_the_row_then_the_file_once_committed(
    client, territory, coordinator, media_root, django_capture_on_commit_callbacks
):
    resource = make_resource(territory, coordinator.user)
    assert stored_files(media_root)
    client.force_login(coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("resource_delete", territory, pk=resource.pk))
    assert response.status_code == 302
    assert not Resource.objects.exists()
    assert stored_files(media_root) == []


def test_a_missing_file_is_a_404_not_a_crash(client, territory, coordinator, media_root):
    resource = make_resource(territory, coordinator.user)
    for path in media_root.rglob("*.pdf"):
        path.unlink()
    client.force_login(coordinator.user)
    assert client.get(url("resource_download", territory, pk=resource.pk)).status_code == 404
