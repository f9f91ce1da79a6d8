import factory

from territories.models import Commune, Department, Region, Territory

DEPARTMENTS = {
    "34": ("Hérault", "76", "Occitanie"),
    "95": ("Val-d'Oise", "11", "Île-de-France"),
    "75": ("Paris", "11", "Île-de-France"),
}


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "76"
    name = "Occitanie"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "34"
    name = factory.LazyAttribute(lambda o: DEPARTMENTS.get(o.code, ("Département " + o.code,))[0])
    region = factory.LazyAttribute(
        lambda o: RegionFactory(
            code=DEPARTMENTS.get(o.code, (None, "76"))[1], name=DEPARTMENTS.get(o.code, (None, "76", "Occitanie"))[2]
        )
    )


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("code",)

    code = "34"
    name = factory.LazyAttribute(lambda o: DEPARTMENTS.get(o.code, ("Département " + o.code,))[0])
    department = factory.LazyAttribute(lambda o: DepartmentFactory(code=o.code))
    region = factory.LazyAttribute(lambda o: o.department.region)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("insee_code",)

    department = factory.SubFactory(DepartmentFactory)
    insee_code = factory.Sequence(lambda n: f"{n % 900 + 100:03d}".rjust(5, "3"))
    name = factory.Sequence(lambda n: f"Commune {n}")
